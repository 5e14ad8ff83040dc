// CloudFront Function (cloudfront-js-2.0), viewer request on /api/*.
//
// The site calls its API on the same names under /api/ (no CORS preflight, one certificate);
// the REST API's resources are at the root (/listings/{id}, /search, ...). Strip the /api
// prefix so CloudFront asks the origin for /<stage>/listings/{id} (the origin path adds the
// stage). The query string and headers pass through untouched.

var API_PREFIX = '/api';

function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri === API_PREFIX || uri === API_PREFIX + '/') {
    request.uri = '/';
  } else if (uri.startsWith(API_PREFIX + '/')) {
    request.uri = uri.substring(API_PREFIX.length);
  }
  return request;
}
