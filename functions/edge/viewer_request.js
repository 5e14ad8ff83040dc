// CloudFront Function (cloudfront-js-2.0), viewer request.
//
// 1. SPA routing: a path without a file extension outside /media/ and /api/ is a client-side
//    route; serve /index.html so the single-page app renders it.
// 2. Image negotiation under /media/: the uploader stores <name>.avif and <name>.webp next
//    to each JPEG/PNG original. Serve the best format the browser accepts, and normalise the
//    Accept header to that one format so the cache key (which includes Accept) holds at most
//    three variants per image instead of one per browser's Accept string.

var MEDIA_PREFIX = '/media/';
var API_PREFIX = '/api/';
var NEGOTIABLE = /\.(jpe?g|png)$/i;
var FORMATS = [
  { type: 'image/avif', ext: '.avif' },
  { type: 'image/webp', ext: '.webp' },
];

function acceptHeader(request) {
  var header = request.headers.accept;
  return header && header.value ? header.value.toLowerCase() : '';
}

function negotiate(request) {
  var uri = request.uri;
  if (!NEGOTIABLE.test(uri)) {
    return request;
  }
  var accept = acceptHeader(request);
  for (var i = 0; i < FORMATS.length; i++) {
    if (accept.indexOf(FORMATS[i].type) !== -1) {
      request.uri = uri.replace(NEGOTIABLE, FORMATS[i].ext);
      request.headers.accept = { value: FORMATS[i].type };
      return request;
    }
  }
  request.headers.accept = { value: 'image/*' };
  return request;
}

function route(request) {
  var uri = request.uri;
  if (uri === '/' || uri.startsWith(API_PREFIX)) {
    return request;
  }
  var last = uri.substring(uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') === -1) {
    request.uri = '/index.html';
  }
  return request;
}

function handler(event) {
  var request = event.request;
  if (request.uri.startsWith(MEDIA_PREFIX)) {
    return negotiate(request);
  }
  return route(request);
}
