#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A real Apache mod_dav_fs WebDAV server on 127.0.0.1 for the upload tests.
#
#   apache-dav.sh start DIR [FULL_KIB] [tls]   start; prints shell assignments:
#       DAV_URL       http://127.0.0.1:PORT/dav      (Basic auth)
#       DAV_USER DAV_PASSWORD                        the one test login
#       DAV_ROOT      the directory behind DAV_URL
#       DAV_TLS_URL   https://127.0.0.1:TLSPORT/dav  (with "tls")
#       DAV_CA        the self-signed CA that signed its certificate
#       DAV_HUGE_URL  a location whose replies carry > 64 KiB of headers
#       DAV_REDIRECT_URL  a location that redirects to another host
#   apache-dav.sh stop DIR                     stop it, unmount DIR's tmpfs
#
# With FULL_KIB, DAV_ROOT/full is a tmpfs of that size: PUTs that do not
# fit get a real "507 Insufficient Storage". Apache runs as www-data (its
# workers), the pid file is DIR/httpd.pid, logs are DIR/*.log. Needs root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

user=scanuser
password=dav-test-pass
mods=/usr/lib/apache2/modules

conf() {
	local dir=$1 port=$2 tlsport=$3 filler
	filler=$(head -c 6000 /dev/zero | tr '\0' 'x')
	cat <<CONF
ServerName 127.0.0.1
ServerRoot $dir
Listen 127.0.0.1:$port
PidFile $dir/httpd.pid
ErrorLog $dir/error.log
LogLevel warn
User www-data
Group www-data
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authn_core_module $mods/mod_authn_core.so
LoadModule authn_file_module $mods/mod_authn_file.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule authz_user_module $mods/mod_authz_user.so
LoadModule auth_basic_module $mods/mod_auth_basic.so
LoadModule alias_module $mods/mod_alias.so
LoadModule headers_module $mods/mod_headers.so
LoadModule dav_module $mods/mod_dav.so
LoadModule dav_fs_module $mods/mod_dav_fs.so
DavLockDB $dir/lock/davlock
DocumentRoot $dir/www
Alias /dav $dir/www
<Directory $dir/www>
	Dav On
	AllowOverride None
	AuthType Basic
	AuthName "mfpscan test"
	AuthUserFile $dir/htpasswd
	Require valid-user
</Directory>
Redirect 301 /moved http://elsewhere.invalid/dav
<Location /dav/huge>
$(for i in $(seq 12); do echo "	Header always set X-Filler-$i $filler"; done)
</Location>
CONF
	[ -z "$tlsport" ] || cat <<CONF
LoadModule socache_shmcb_module $mods/mod_socache_shmcb.so
LoadModule ssl_module $mods/mod_ssl.so
Listen 127.0.0.1:$tlsport
SSLSessionCache shmcb:$dir/ssl_scache(512000)
<VirtualHost 127.0.0.1:$tlsport>
	SSLEngine on
	SSLCertificateFile $dir/certs/server.pem
	SSLCertificateKeyFile $dir/certs/server.key
</VirtualHost>
CONF
}

start() {
	local dir=$1 full=${2:-} tls=${3:-} port tlsport=
	mkdir -p "$dir/www" "$dir/lock"
	dir=$(cd "$dir" && pwd)
	# www-data must reach the tree even under a private mktemp directory.
	chmod o+x "$dir"
	chown www-data: "$dir/www" "$dir/lock"
	[ -z "$full" ] || srv_tmpfs "$dir/www/full" "$full" www-data
	runuser -u www-data -- test -x "$dir/www" || {
		echo "www-data cannot reach $dir/www: make its parents searchable (chmod o+x)" >&2
		exit 1
	}
	htpasswd -bc "$dir/htpasswd" "$user" "$password" 2>/dev/null
	chmod 0644 "$dir/htpasswd"
	port=$(srv_free_port)
	if [ "$tls" = tls ]; then
		srv_make_certs "$dir/certs"
		tlsport=$(srv_free_port)
	fi
	conf "$dir" "$port" "$tlsport" >"$dir/httpd.conf"
	/usr/sbin/apache2 -f "$dir/httpd.conf" -k start
	srv_wait_port "$port"
	[ -z "$tlsport" ] || srv_wait_port "$tlsport"
	echo "DAV_URL=http://127.0.0.1:$port/dav"
	echo "DAV_USER=$user"
	echo "DAV_PASSWORD=$password"
	echo "DAV_ROOT=$dir/www"
	echo "DAV_HUGE_URL=http://127.0.0.1:$port/dav/huge"
	echo "DAV_REDIRECT_URL=http://127.0.0.1:$port/moved"
	if [ -n "$tlsport" ]; then
		echo "DAV_TLS_URL=https://127.0.0.1:$tlsport/dav"
		echo "DAV_CA=$dir/certs/ca.pem"
	fi
}

stop() {
	srv_stop_pidfile "$1/httpd.pid"
	srv_umount_below "$1"
}

case "${1:-}" in
start) start "${2:?DIR}" "${3:-}" "${4:-}" ;;
stop) stop "${2:?DIR}" ;;
*) echo "usage: $0 start DIR [FULL_KIB] [tls] | stop DIR" >&2; exit 2 ;;
esac
