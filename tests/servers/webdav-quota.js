// SPDX-License-Identifier: GPL-2.0
//
// npm webdav-server with a per-user quota (RFC 4331 quota-available-bytes /
// quota-used-bytes in PROPFIND, 507 past the limit), files kept on disk in
// ROOT so tests can compare bytes. Started by webdav-node.sh:
//   node webdav-quota.js PORT ROOT USER PASSWORD QUOTA_BYTES
'use strict';
const webdav = require('webdav-server').v2;

const [port, root, user, password, quota] = process.argv.slice(2);
if (!quota) {
	console.error('usage: node webdav-quota.js PORT ROOT USER PASSWORD QUOTA_BYTES');
	process.exit(2);
}

const users = new webdav.SimpleUserManager();
const account = users.addUser(user, password, false);
const privileges = new webdav.SimplePathPrivilegeManager();
privileges.setRights(account, '/', ['all']);

const server = new webdav.WebDAVServer({
	hostname: '127.0.0.1',
	port: Number(port),
	requireAuthentification: true,
	httpAuthentication: new webdav.HTTPBasicAuthentication(users, 'mfpscan test'),
	privilegeManager: privileges,
	storageManager: new webdav.PerUserStorageManager(Number(quota)),
	rootFileSystem: new webdav.PhysicalFileSystem(root),
});

server.start(() => console.log(`webdav-server listening on 127.0.0.1:${port}`));
process.on('SIGTERM', () => server.stop(() => process.exit(0)));
