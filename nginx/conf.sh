# shellcheck shell=bash
# mailautoconf: build a throwaway nginx configuration from the shipped files
# beside this one, for nginx/demo.sh and the tests (tests/e2e/run.sh,
# tests/clients/evolution/run.sh).  Source it from bash:
#
#	. nginx/conf.sh
#
# It sets no shell options and runs nothing; it defines mac_nginx (this
# directory), mac_shipped_sock and the mac_* functions below.  nginx runs
# as "nginx -p DIR -c DIR/nginx.conf": DIR holds the locations snippet
# (a link to the shipped file: included unmodified),
# nginx-temp/ and the generated files.  The functions print what they build
# or write the named file, and return non-zero when something is missing,
# so a caller can say why it stops.

mac_nginx=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The socket nginx/mailautoconf-upstream.conf names.
mac_shipped_sock=/run/mailautoconf/mailautoconf.sock

# DIR as an nginx prefix: snippets/mailautoconf-locations.conf (the shipped
# snippet) and the nginx-temp/ directory mac_nginx_conf points at.  nginx
# resolves relative includes against the directory of -c, so
# "include snippets/..." finds it.
mac_prefix_dir() { # dir
	mkdir -p "$1/snippets" "$1/nginx-temp" || return
	ln -s "$mac_nginx/mailautoconf-locations.conf" \
		"$1/snippets/mailautoconf-locations.conf" || return
}

# A whole nginx.conf, printed: the main and events contexts (foreground, one
# worker, pid file under DIR, USER's workers unless USER is empty, errors to
# ERROR_LOG, e.g. "stderr notice") and http { } with temp paths under
# DIR/nginx-temp, then the http-context lines read from standard input.
mac_nginx_conf() { # dir user error-log <http-lines
	if [ -n "$2" ]; then
		printf 'user %s;\n' "$2"
	fi
	cat <<EOF
worker_processes 1;
daemon off;
pid $1/nginx.pid;
error_log $3;
events {
	# Each client connection may hold an upstream one too.
	worker_connections 4096;
}
http {
	client_body_temp_path $1/nginx-temp/body;
	fastcgi_temp_path $1/nginx-temp/fastcgi;
	proxy_temp_path $1/nginx-temp/proxy;
	uwsgi_temp_path $1/nginx-temp/uwsgi;
	scgi_temp_path $1/nginx-temp/scgi;
EOF
	cat || return
	echo "}"
}

# Write the shipped nginx/mailautoconf-upstream.conf to OUT with only the
# socket path replaced by SOCKET.  Fails if the shipped path is not in it.
mac_upstream() { # socket out
	sed "s#unix:$mac_shipped_sock#unix:$1#" \
		"$mac_nginx/mailautoconf-upstream.conf" >"$2" || return
	grep -q "unix:$1;" "$2" || return
}

# The TLS server block for NAMES, printed for the http context: LISTEN
# (e.g. "127.0.0.1:8443 ssl"), CERT and KEY, the shipped locations snippet
# and 404 for everything else, as the first block of example-servers.conf.
mac_tls_server() { # listen cert key name...
	local listen=$1 cert=$2 key=$3 n names='' width=13
	shift 3
	for n; do
		if [ -n "$names" ] && [ $((width + 1 + ${#n})) -gt 64 ]; then
			names+=$'\n\t\t   '
			width=3
		fi
		names+=" $n"
		width=$((width + 1 + ${#n}))
	done
	cat <<EOF
	server {
		listen $listen;
		server_name$names;
		ssl_certificate $cert;
		ssl_certificate_key $key;

		include snippets/mailautoconf-locations.conf;

		location / {
			return 404;
		}
	}
EOF
}

# The block of example-servers.conf between "# BEGIN NAME" and "# END NAME"
# (a port-80 server), printed with "listen 80;" changed to "listen LISTEN;"
# and "listen [::]:80;" dropped.  Fails if there is no such block.
mac_port80_block() { # name listen
	local block
	block=$(sed -n "/^# BEGIN $1\$/,/^# END $1\$/p" \
		"$mac_nginx/example-servers.conf" |
		sed -e "s/^\([[:space:]]*\)listen 80;/\1listen $2;/" \
			-e '/listen \[::\]:80;/d') || return
	[[ $block == *"listen $2;"* ]] || return
	printf '%s\n' "$block"
}

# A P-256 key in KEY and a certificate in CERT with subject CN, valid for
# DAYS, with subjectAltName DNS:NAME for each NAME.  Self-signed; with
# "-ca CA_CERT CA_KEY" first, signed by that CA instead (and marked for
# serverAuth; the request goes to CERT.req).  openssl's messages go to
# standard error.
mac_cert() { # [-ca ca-cert ca-key] key cert cn days name...
	local ca_cert='' ca_key='' key cert cn days san='' n
	if [ "$1" = -ca ]; then
		ca_cert=$2
		ca_key=$3
		shift 3
	fi
	key=$1 cert=$2 cn=$3 days=$4
	shift 4
	for n; do
		san="$san${san:+,}DNS:$n"
	done
	if [ -z "$ca_cert" ]; then
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
			-nodes -days "$days" -subj "/CN=$cn" -keyout "$key" \
			-out "$cert" -addext "subjectAltName=$san" || return
		return
	fi
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-subj "/CN=$cn" -keyout "$key" -out "$cert.req" || return
	openssl x509 -req -in "$cert.req" -CA "$ca_cert" -CAkey "$ca_key" \
		-CAcreateserial -days "$days" -out "$cert" \
		-extfile <(printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san") ||
		return
}

# A throwaway certificate authority: a P-256 key in KEY, a self-signed CA
# certificate in CERT with subject CN, valid for DAYS, for mac_cert -ca.
mac_ca() { # key cert cn days
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-days "$4" -subj "/CN=$3" -keyout "$1" -out "$2" \
		-addext basicConstraints=critical,CA:TRUE \
		-addext keyUsage=critical,keyCertSign,cRLSign || return
}

# spawn-fcgi's user options, as in production (etc/mailautoconf.service.in):
# the socket owned by www-data, nginx's worker user, and the responder run
# as nobody, unless nobody cannot run BIN or read CONFIG (a build directory
# closed to others, such as a clone in root's home), when it keeps
# spawn-fcgi's user.  When BIN is a wrapper (valgrind's, in a temporary
# directory), PROGRAMs name what it runs: nobody must read and run each
# of them too.  Sets the array mac_ids.
mac_spawn_ids() { # bin config [program...]
	mac_ids=(-U www-data -G www-data)
	# shellcheck disable=SC2016 # expanded by sh
	if runuser -u nobody -- sh -c 'test -x "$1" && test -r "$2" || exit 1
		shift 2
		for p; do test -x "$p" && test -r "$p" || exit 1; done' \
		sh "$@"; then
		mac_ids=(-u nobody -g nogroup "${mac_ids[@]}")
	fi
}
