#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# WebDAV uploads with mfpscan-upload against real servers on 127.0.0.1:
# Apache mod_dav_fs (Basic auth, a 512 KiB tmpfs folder for real 507s, TLS
# with a self-signed CA, a location with oversized headers, a redirect to
# another host) and the npm webdav-server with an RFC 4331 per-user quota.
# Each case checks the class of the error and that nothing is lost.
set -uo pipefail
. "$(dirname "$0")/upload-common.sh"

start_server apache-dav.sh apache 512 tls
pwfile=$scratch/dav.pw
echo "$DAV_PASSWORD" >"$pwfile"
W=(-t webdav -I -U "$DAV_USER" -p "$pwfile")
doc=$scratch/doc.pdf
make_file "$doc" 300
size=$(stat -c %s "$doc")
docsum=$(sha256sum <"$doc")

# --- success, folders, byte-exact, idempotent
expect_ok "check logs in and creates scans/2026/11" "${W[@]}" -u "$DAV_URL" -f scans/2026/11 check
expect_eq "Apache reports no quota" "ok free=unknown" "$out"
[ -d "$DAV_ROOT/scans/2026/11" ] && ok "the folder exists on the server" ||
	not_ok "the folder exists on the server"

run_upload "${W[@]}" -u "$DAV_URL" -f "scans/new/deep" put "$doc" "scan 1.pdf"
expect_eq "put creates missing folders and returns the URL" \
	"uploaded $DAV_URL/scans/new/deep/scan%201.pdf" "$out"
expect_same_file "the bytes on the server equal the document" "$doc" "$DAV_ROOT/scans/new/deep/scan 1.pdf"
expect_no_text "the password is not in the output" "$DAV_PASSWORD" "$out$errout"

run_upload "${W[@]}" -u "$DAV_URL" -f "scans/new/deep" put "$doc" "scan 1.pdf"
expect_eq "a retried put reports already-there" \
	"already-there $DAV_URL/scans/new/deep/scan%201.pdf" "$out"
expect_eq "one copy on the server" 1 "$(ls -A "$DAV_ROOT/scans/new/deep" | wc -l)"

run_upload "${W[@]}" -u "$DAV_URL" -f "scans/new/deep" exists "scan 1.pdf" "$size"
expect_eq "exists finds it" yes "$out"
run_upload "${W[@]}" -u "$DAV_URL" -f "scans/new/deep" exists "scan 2.pdf" "$size"
expect_eq "exists does not find another name" no "$out"
expect_class "another size under the same name is a conflict" server \
	"${W[@]}" -u "$DAV_URL" -f "scans/new/deep" exists "scan 1.pdf" 5

run_upload "${W[@]}" -u "$DAV_URL" -P put "$doc" progress.pdf
expect_text "progress reaches the document's size" "progress $size/$size" "$errout"

# --- storage full: a real 507 from the tmpfs-backed folder
big=$scratch/big.pdf
make_file "$big" 800
bigsum=$(sha256sum <"$big")
expect_class "a full folder is storage-full (507)" storage-full \
	"${W[@]}" -u "$DAV_URL" -f full put "$big" big.pdf
expect_text "the server's words are kept" "Insufficient Storage" "$errout"
expect_eq "no partial file on the server" "" "$(ls -A "$DAV_ROOT/full")"
expect_eq "the local document is intact" "$bigsum" "$(sha256sum <"$big")"
expect_ok "after the failure a small document still fits" \
	"${W[@]}" -u "$DAV_URL" -f full put "$doc" small.pdf
expect_same_file "and arrives byte-exact" "$doc" "$DAV_ROOT/full/small.pdf"

# --- wrong password, server down, bad URLs
echo "not-the-password" >"$scratch/bad.pw"
expect_class "a wrong password is auth (check)" auth \
	-t webdav -I -U "$DAV_USER" -p "$scratch/bad.pw" -u "$DAV_URL" check
expect_text "the server's 401 is quoted" "401" "$errout"
expect_no_text "the wrong password is not echoed" "not-the-password" "$errout"
expect_class "a wrong password is auth (put)" auth \
	-t webdav -I -U "$DAV_USER" -p "$scratch/bad.pw" -u "$DAV_URL" put "$doc" x.pdf
expect_class "a server that is down is network" network \
	"${W[@]}" -u "http://127.0.0.1:$(dead_port)/dav" put "$doc" x.pdf
expect_class "credentials in the URL are refused" invalid \
	"${W[@]}" -u "http://$DAV_USER:$DAV_PASSWORD@127.0.0.1:1/dav" check
expect_no_text "and not echoed" "$DAV_PASSWORD" "$errout"
expect_class "a folder with .. is refused" invalid "${W[@]}" -u "$DAV_URL" -f "a/../../etc" check
expect_class "a name with / is refused" invalid "${W[@]}" -u "$DAV_URL" put "$doc" "../x.pdf"

# --- TLS: self-signed CA rejected unless pinned
expect_class "https with an unknown CA is tls" tls "${W[@]}" -u "$DAV_TLS_URL" check
expect_ok "https with the CA pinned is accepted" "${W[@]}" -u "$DAV_TLS_URL" -c "$DAV_CA" check
run_upload "${W[@]}" -u "$DAV_TLS_URL" -c "$DAV_CA" -f tls put "$doc" tls.pdf
expect_eq "put over https with the pinned CA" "uploaded $DAV_TLS_URL/tls/tls.pdf" "$out"
expect_same_file "and arrives byte-exact" "$doc" "$DAV_ROOT/tls/tls.pdf"
srv_make_certs "$scratch/otherca"
expect_class "pinning another CA is tls" tls "${W[@]}" -u "$DAV_TLS_URL" -c "$scratch/otherca/ca.pem" check
expect_class "a missing CA file is tls" tls "${W[@]}" -u "$DAV_TLS_URL" -c "$scratch/nope.pem" check

# --- bad replies
expect_class "a reply with > 64 KiB of headers is refused" server "${W[@]}" -u "$DAV_HUGE_URL" check
expect_text "and says so" "larger than" "$errout"
expect_class "a redirect to another host is not followed" invalid "${W[@]}" -u "$DAV_REDIRECT_URL" put "$doc" r.pdf
expect_text "the message names the target" "elsewhere.invalid" "$errout"

# --- npm webdav-server: RFC 4331 quota and 507 past it
start_server webdav-node.sh wdn 1000000
echo "$WDN_PASSWORD" >"$scratch/wdn.pw"
N=(-t webdav -I -U "$WDN_USER" -p "$scratch/wdn.pw" -u "$WDN_URL")
a=$scratch/a.pdf b=$scratch/b.pdf
make_file "$a" 580
make_file "$b" 580
run_upload "${N[@]}" -f inbox check
expect_text "check reports the quota" "ok free=" "$out"
free0=$(sed -n 's/^ok free=\([0-9]*\) .*/\1/p' <<<"$out")
[ -n "$free0" ] && [ "$free0" -le 1000000 ] && [ "$free0" -gt 900000 ] &&
	ok "free space is within the 1 MB quota ($free0)" || not_ok "free space is within the quota" "$out"
expect_ok "a document under the quota uploads" "${N[@]}" -f inbox put "$a" a.pdf
expect_same_file "byte-exact" "$a" "$WDN_ROOT/inbox/a.pdf"
run_upload "${N[@]}" -f inbox check
free1=$(sed -n 's/^ok free=\([0-9]*\) .*/\1/p' <<<"$out")
[ -n "$free1" ] && [ $((free0 - free1)) -ge "$(stat -c %s "$a")" ] &&
	ok "the reported free space shrank by the document" || not_ok "free space shrank" "$free0 -> $free1"
expect_class "past the quota is storage-full (507)" storage-full "${N[@]}" -f inbox put "$b" b.pdf
expect_text "the status is quoted" "507" "$errout"
run_upload "${N[@]}" -f inbox put "$a" a.pdf
expect_eq "a retry of the first is already-there" "already-there $WDN_URL/inbox/a.pdf" "$out"

# --- a PUT cut short (crash, kill) left the start of our document: this
# server keeps such partial files under the final name; a retry replaces
# them, but never a shorter file that is not the start of ours.
start_server webdav-node.sh wdn2 100000000
P=(-t webdav -I -U "$WDN_USER" -p "$scratch/wdn.pw" -u "$WDN_URL")
head -c 100000 "$doc" >"$scratch/cut.part"
curl -s -u "$WDN_USER:$WDN_PASSWORD" -T "$scratch/cut.part" "$WDN_URL/cut.pdf" >/dev/null
expect_eq "the partial file is there" 100000 "$(stat -c %s "$WDN_ROOT/cut.pdf")"
run_upload "${P[@]}" exists cut.pdf "$size"
expect_eq "exists does not count a partial file" no "$out"
run_upload "${P[@]}" put "$doc" cut.pdf
expect_eq "a retry replaces our own partial upload" "uploaded $WDN_URL/cut.pdf" "$out"
expect_same_file "and the file is now complete" "$doc" "$WDN_ROOT/cut.pdf"
head -c 100000 /dev/urandom >"$scratch/short.pdf"
curl -s -u "$WDN_USER:$WDN_PASSWORD" -T "$scratch/short.pdf" "$WDN_URL/short.pdf" >/dev/null
expect_class "a shorter file that is not ours is refused" server "${P[@]}" put "$doc" short.pdf
expect_text "as a different file" "different file" "$errout"
expect_same_file "and kept" "$scratch/short.pdf" "$WDN_ROOT/short.pdf"
head -c "$size" /dev/urandom >"$scratch/twin.pdf"
curl -s -u "$WDN_USER:$WDN_PASSWORD" -T "$scratch/twin.pdf" "$WDN_URL/twin.pdf" >/dev/null
expect_class "a file of our size with other bytes is refused, not already-there" \
	server "${P[@]}" put "$doc" twin.pdf
expect_text "as a different file of the same size" "same size, other content" "$errout"
expect_same_file "and kept" "$scratch/twin.pdf" "$WDN_ROOT/twin.pdf"

# --- a server answering as Nextcloud does (tests/servers/nextcloud-dav.js)
start_server nextcloud-dav.sh ncd
echo "$NCD_PASSWORD" >"$scratch/ncd.pw"
X=(-t webdav -I -U "$NCD_USER" -p "$scratch/ncd.pw" -u "$NCD_URL")
for q in -3 -2 -1 absent; do
	echo "$q" >"$NCD_CTL/quota"
	run_upload "${X[@]}" -f "q$q" check
	expect_eq "Nextcloud quota-available-bytes $q is unknown free space, not an error" \
		"ok free=unknown" "$out"
	run_upload "${X[@]}" -f "q$q" put "$doc" a.pdf
	expect_eq "and the first put uploads (quota $q)" "uploaded $NCD_URL/q$q/a.pdf" "$out"
	expect_same_file "byte-exact (quota $q)" "$doc" "$NCD_ROOT/q$q/a.pdf"
done
echo $((size * 4 + 1000)) >"$NCD_CTL/quota"
run_upload "${X[@]}" check
expect_text "a positive Nextcloud quota is the free space" "ok free=1000 used=$((size * 4))" "$out"
expect_class "past the quota Sabre's 507 is storage-full" storage-full \
	"${X[@]}" -f "q-3" put "$doc" b.pdf
expect_text "with the server's words" "Insufficient space" "$errout"
echo -3 >"$NCD_CTL/quota"
# No Content-Length in HEAD (or GET): "already there" is decided on bytes.
touch "$NCD_CTL/no-length"
run_upload "${X[@]}" -f "q-3" put "$doc" a.pdf
expect_eq "no length: our own file is already-there (compared)" \
	"already-there $NCD_URL/q-3/a.pdf" "$out"
expect_text "the server was asked for the bytes" "GET /q-3/a.pdf" "$(cat "$NCD_CTL/requests")"
head -c "$size" /dev/urandom >"$NCD_ROOT/q-3/twin.pdf"
cp "$NCD_ROOT/q-3/twin.pdf" "$scratch/ncd-twin.pdf"
expect_class "no length: a file of our size with other bytes is not ours" \
	server "${X[@]}" -f "q-3" put "$doc" twin.pdf
expect_text "as a different file" "its content differs" "$errout"
expect_same_file "and kept" "$scratch/ncd-twin.pdf" "$NCD_ROOT/q-3/twin.pdf"
head -c 1000 "$doc" >"$NCD_ROOT/q-3/cut.pdf"
run_upload "${X[@]}" -f "q-3" put "$doc" cut.pdf
expect_eq "no length: our own cut-short upload is replaced" \
	"uploaded $NCD_URL/q-3/cut.pdf" "$out"
expect_same_file "and complete" "$doc" "$NCD_ROOT/q-3/cut.pdf"
rm -f "$NCD_CTL/no-length"

# --- a broken server: bad replies are clear errors
start_server bad-http.sh bad
B=(-t webdav -I -U someone -p "$pwfile")
expect_class "a PROPFIND reply that is not XML is a server error" server "${B[@]}" -u "$BAD_URL/garbage" check
expect_text "and says so" "not a valid WebDAV multistatus" "$errout"
expect_class "an HTML page instead of a multistatus is a server error" server "${B[@]}" -u "$BAD_URL/html" check
expect_class "a non-numeric quota is a server error" server "${B[@]}" -u "$BAD_URL/badquota" check
expect_class "a 1 MiB error body is refused" server "${B[@]}" -u "$BAD_URL/hugebody" put "$doc" x.pdf
expect_text "and says so" "larger than 64 KiB" "$errout"
expect_class "an unknown status is a server error" server "${B[@]}" -u "$BAD_URL/status" put "$doc" x.pdf
expect_text "the status is quoted" "599" "$errout"
expect_class "a server that accepts but never answers is network" network "${B[@]}" -T 2 -u "$BAD_URL/hang" check
expect_text "the message says nothing came" "Less than 1 bytes/sec transferred the last 2 seconds" "$errout"
expect_eq "the local document is intact after all that" "$(sha256sum <"$doc")" "$docsum"

finish
