# shellcheck shell=bash
# Throwaway TLS certificates for tests and demos, made with the openssl command-line tool. Source this file; it
# defines functions only.
#
#   certs_make DIR [HOST…]   write a test CA and certificates into DIR (created if missing; HOSTs default to
#                            "localhost 127.0.0.1": names become DNS subjectAltNames, IPv4/IPv6 addresses IP ones)
#
# Files written (PEM; the keys are ECDSA P-256, unencrypted, mode 0600; everything valid for 30 days):
#   ca.pem ca.key                     the test CA (what a client is told to trust: --tls-ca, ssl.ca.location, …)
#   server.pem server.key             a server certificate from ca.pem for HOST… (CN = the first HOST)
#   wrong-host.pem wrong-host.key     a server certificate from ca.pem for wrong-host.invalid only: a client that
#                                     checks the host name must refuse it
#   other-ca.pem other-ca.key         a second CA nobody trusts
#   other-server.pem other-server.key a server certificate for HOST… from other-ca.pem: a client trusting only
#                                     ca.pem must refuse it
#   client.pem client.key             a client certificate from ca.pem (CN = binlog-sink-test-client, clientAuth)
#   server-bundle.pem                 server.pem then server.key (for servers that want one file)
# Intermediate files (CSRs, extension files, serials) are removed.

certs_make() {
  local dir=$1; shift
  local hosts=("$@")
  if [ "${#hosts[@]}" -eq 0 ]; then hosts=(localhost 127.0.0.1); fi
  if ! command -v openssl >/dev/null 2>&1; then
    echo "certs.sh: openssl not found (apt-get install openssl)" >&2
    return 1
  fi
  mkdir -p "$dir" || return 1
  local san="" host
  for host in "${hosts[@]}"; do
    if [[ $host =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ || $host == *:* ]]; then
      san+="${san:+,}IP:$host"
    else
      san+="${san:+,}DNS:$host"
    fi
  done
  (
    set -e
    umask 077
    cd "$dir"
    _certs_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
    # A CA: self-signed, CA:TRUE, may sign certificates.
    _certs_ca() {
      _certs_key "$1.key"
      openssl req -x509 -new -key "$1.key" -sha256 -days 30 -subj "/CN=$2" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -addext "subjectKeyIdentifier=hash" -out "$1.pem"
    }
    # A leaf certificate NAME signed by CA, with subject CN and the extensions in EXT (one per line).
    _certs_leaf() {
      local name=$1 ca=$2 cn=$3 ext=$4
      _certs_key "$name.key"
      openssl req -new -key "$name.key" -subj "/CN=$cn" -out "$name.csr"
      printf '%s\n' "$ext" >"$name.ext"
      openssl x509 -req -in "$name.csr" -CA "$ca.pem" -CAkey "$ca.key" -CAcreateserial -sha256 -days 30 \
        -extfile "$name.ext" -out "$name.pem" 2>/dev/null
      rm -f "$name.csr" "$name.ext"
    }
    local server_ext="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$san"
    _certs_ca ca "binlog-sink test CA"
    _certs_ca other-ca "binlog-sink untrusted test CA"
    _certs_leaf server ca "${hosts[0]}" "$server_ext"
    _certs_leaf other-server other-ca "${hosts[0]}" "$server_ext"
    _certs_leaf wrong-host ca wrong-host.invalid "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:wrong-host.invalid"
    _certs_leaf client ca binlog-sink-test-client "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
    cat server.pem server.key >server-bundle.pem
    rm -f ./*.srl
    # Certificates are public; the keys (and the bundle, which holds one) stay 0600.
    chmod 644 ca.pem other-ca.pem server.pem other-server.pem wrong-host.pem client.pem
  ) || {
    echo "certs.sh: making test certificates in $dir failed" >&2
    return 1
  }
}
