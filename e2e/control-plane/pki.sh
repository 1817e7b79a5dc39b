# Certificates and kubeconfigs for the local clusters (sourced by run-local.sh and e2e/cluster/up.sh).
# One CA signs every serving and client certificate; RSA keys, which every client (kubectl, fabric8)
# reads. Each function leaves an existing file alone, so a re-run keeps the identities it made.

pki_key() { # file
  [ -f "$1" ] || openssl genrsa -out "$1" 2048 2>/dev/null
}

pki_ca() { # dir common-name days
  local dir=$1
  mkdir -p "$dir"
  [ -f "$dir/ca.crt" ] && return
  pki_key "$dir/ca.key"
  openssl req -x509 -new -key "$dir/ca.key" -subj "/CN=$2" -days "$3" -sha256 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$dir/ca.crt" 2>/dev/null
}

pki_sign() { # dir name subject days extensions...
  local dir=$1 name=$2 subject=$3 days=$4; shift 4
  [ -f "$dir/$name.crt" ] && return
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" "$@" \
    >"$dir/$name.ext"
  pki_key "$dir/$name.key"
  openssl req -new -key "$dir/$name.key" -subj "$subject" -out "$dir/$name.csr" 2>/dev/null
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial \
    -days "$days" -sha256 -extfile "$dir/$name.ext" -out "$dir/$name.crt" 2>/dev/null
  rm -f "$dir/$name.csr" "$dir/$name.ext"
}

# The key pair that signs and checks service-account tokens.
pki_service_accounts() { # dir
  [ -f "$1/sa.key" ] && return
  pki_key "$1/sa.key"
  openssl rsa -in "$1/sa.key" -pubout -out "$1/sa.pub" 2>/dev/null
}

# A kubeconfig for one user of the CA in dir, with the certificates inline; written atomically.
pki_kubeconfig() { # file dir user server
  local file=$1 dir=$2 user=$3 server=$4
  cat >"$file.tmp" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: topicmesh-local
  cluster:
    server: $server
    certificate-authority-data: $(base64 -w0 <"$dir/ca.crt")
users:
- name: $user
  user:
    client-certificate-data: $(base64 -w0 <"$dir/$user.crt")
    client-key-data: $(base64 -w0 <"$dir/$user.key")
contexts:
- name: topicmesh-local
  context:
    cluster: topicmesh-local
    user: $user
current-context: topicmesh-local
KUBECONFIG
  chmod 600 "$file.tmp"
  mv "$file.tmp" "$file"
}
