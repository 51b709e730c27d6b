// SPDX-License-Identifier: GPL-2.0
//
// A deliberately broken WebDAV server for the uploader's bad-reply tests.
// Every request must carry Basic auth (any credentials); then the first
// path segment picks the misbehaviour:
//   /garbage/...   PROPFIND -> 207 with a body that is not XML
//   /html/...      PROPFIND -> 207 with an HTML page
//   /badquota/...  PROPFIND -> 207 multistatus with a non-numeric quota
//   /hugebody/...  any      -> 507 with a 1 MiB body
//   /status/...    PUT      -> 599, an HTTP status nobody defines
//   /hang/...      any      -> never answers (the client's stall timeout)
// Started by bad-http.sh:  node badhttp.js PORT
'use strict';
const http = require('http');

const port = Number(process.argv[2]);
const multistatus = (quota) =>
	'<?xml version="1.0"?><d:multistatus xmlns:d="DAV:"><d:response>' +
	'<d:href>/</d:href><d:propstat><d:prop><d:quota-available-bytes>' + quota +
	'</d:quota-available-bytes></d:prop><d:status>HTTP/1.1 200 OK</d:status>' +
	'</d:propstat></d:response></d:multistatus>';

function reply(req, res) {
	const kind = req.url.split('/')[1];
	if (kind === 'hang')
		return;
	if (!req.headers.authorization)
		return res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="bad"' }).end();
	// Nothing exists here: the uploader's HEAD sees 404 and goes on.
	if (req.method === 'HEAD')
		return res.writeHead(404).end();
	switch (kind) {
	case 'garbage':
		return res.writeHead(207).end('\x00\x01<<<this is not xml>>');
	case 'html':
		return res.writeHead(207, { 'Content-Type': 'text/html' })
			.end('<html><body>Welcome to the captive portal</body></html>');
	case 'badquota':
		return res.writeHead(207).end(multistatus('plenty'));
	case 'hugebody':
		return res.writeHead(507).end('x'.repeat(1024 * 1024));
	case 'status':
		return res.writeHead(599).end('odd');
	default:
		return res.writeHead(404).end();
	}
}

http.createServer((req, res) => {
	req.on('data', () => {});
	req.on('end', () => reply(req, res));
}).listen(port, '127.0.0.1', () => console.log(`badhttp on 127.0.0.1:${port}`));
process.on('SIGTERM', () => process.exit(0));
