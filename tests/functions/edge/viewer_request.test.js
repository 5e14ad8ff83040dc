// Unit tests of the CloudFront viewer-request function, run with `node --test`.
// The function file is a CloudFront Functions script (no module system): load it into a
// fresh VM context per test, as the CloudFront runtime does, and call its handler.
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const SOURCE = fs.readFileSync(
  path.join(__dirname, '..', '..', '..', 'functions', 'edge', 'viewer_request.js'), 'utf8');

function handler() {
  const context = vm.createContext({});
  vm.runInContext(SOURCE, context);
  return context.handler;
}

// The event shape CloudFront passes a viewer-request function (version 1.0 event structure).
function event(uri, accept) {
  const headers = { host: { value: 'marketplace.example.com' } };
  if (accept !== undefined) {
    headers.accept = { value: accept };
  }
  return {
    version: '1.0',
    context: { eventType: 'viewer-request', distributionId: 'EDFDVBD6EXAMPLE' },
    viewer: { ip: '198.51.100.11' },
    request: { method: 'GET', uri, querystring: {}, headers, cookies: {} },
  };
}

test('client-side routes are served the SPA shell', () => {
  for (const uri of ['/listings/abc-123', '/search', '/sellers/7/reviews']) {
    assert.equal(handler()(event(uri)).uri, '/index.html', uri);
  }
});

test('files, the root and the API are left alone', () => {
  for (const uri of ['/', '/assets/app.3f9a1c.js', '/favicon.ico', '/api/listings/1',
    '/api/search']) {
    assert.equal(handler()(event(uri)).uri, uri, uri);
  }
});

test('AVIF is preferred when accepted, and Accept is normalised', () => {
  const chrome = 'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8';
  const request = handler()(event('/media/listings/1/photo.jpg', chrome));
  assert.equal(request.uri, '/media/listings/1/photo.avif');
  assert.equal(request.headers.accept.value, 'image/avif');
});

test('WebP is served to browsers that accept WebP but not AVIF', () => {
  const request = handler()(event('/media/listings/1/photo.PNG', 'image/webp,*/*'));
  assert.equal(request.uri, '/media/listings/1/photo.webp');
  assert.equal(request.headers.accept.value, 'image/webp');
});

test('the original is served when neither format is accepted', () => {
  for (const accept of ['image/png,image/*;q=0.8', undefined]) {
    const request = handler()(event('/media/listings/1/photo.jpeg', accept));
    assert.equal(request.uri, '/media/listings/1/photo.jpeg');
    assert.equal(request.headers.accept.value, 'image/*');
  }
});

test('media that is not a JPEG or PNG is neither negotiated nor routed', () => {
  const request = handler()(event('/media/listings/1/manual.pdf', 'image/avif'));
  assert.equal(request.uri, '/media/listings/1/manual.pdf');
  assert.equal(request.headers.accept.value, 'image/avif');
  assert.equal(handler()(event('/media/listings/1/folder')).uri, '/media/listings/1/folder');
});

const API_SOURCE = fs.readFileSync(
  path.join(__dirname, '..', '..', '..', 'functions', 'edge', 'api_request.js'), 'utf8');

function apiHandler() {
  const context = vm.createContext({});
  vm.runInContext(API_SOURCE, context);
  return context.handler;
}

test('the API function strips /api so the REST API sees its own resource paths', () => {
  const cases = [['/api/listings/abc-123', '/listings/abc-123'], ['/api/search', '/search'],
    ['/api', '/'], ['/api/', '/']];
  for (const [uri, expected] of cases) {
    const e = event(uri);
    e.request.querystring = { q: { value: 'bike' } };
    const request = apiHandler()(e);
    assert.equal(request.uri, expected, uri);
    assert.equal(request.querystring.q.value, 'bike');
  }
});

test('the API function leaves paths that only look like /api alone', () => {
  assert.equal(apiHandler()(event('/apiary/listing')).uri, '/apiary/listing');
});
