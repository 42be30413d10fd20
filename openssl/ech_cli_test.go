package openssl

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Our client against `openssl s_server -ech_key`: the key pair file is made
// by the leg's own `openssl ech` (RFC 9849's version 0xfe0d), and the
// client takes the ECHConfigList from its ECHCONFIG block. s_server
// decrypts the ClientHello, so the client reports ECHAccepted and data
// flows; s_server, echoing reversed, shows the connection is its own.
func TestECHClientAgainstOpenSSLServer(t *testing.T) {
	needECH(t)
	bin := opensslCLI(t)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "ech.pem")
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	gen := exec.CommandContext(ctx, bin, "ech", "-public_name", echPublic, "-ech_version", "0xfe0d", "-out", keyFile)
	gen.Env = append(os.Environ(), "LD_LIBRARY_PATH=")
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("openssl ech: %v\n%s", err, out)
	}
	pemText, err := os.ReadFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	var list []byte
	for rest := pemText; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		if b.Type == "ECHCONFIG" {
			list = b.Bytes
		}
	}
	if list == nil {
		t.Fatalf("openssl ech wrote no ECHCONFIG block:\n%s", pemText)
	}
	cert, _ := echServerCert(t)
	f := certFiles(t, map[string][]byte{"cert.pem": cert.CertPEM, "key.pem": cert.KeyPEM})
	addr, done, stderr := startOpenSSLServer(t, "-cert", f["cert.pem"], "-key", f["key.pem"], "-ech_key", keyFile,
		"-tls1_3", "-naccept", "1", "-rev")
	cfg := echClientConfig(list)
	defer cfg.Free()
	c, err := Dial("tcp", addr, cfg)
	if err != nil {
		t.Fatalf("%v\ns_server: %s", err, stderr.String())
	}
	deadline(c)
	if !c.OpenSSLState().ECHAccepted || !c.ConnectionState().ECHAccepted {
		t.Error("client: ECHAccepted false against s_server -ech_key")
	}
	if _, err := c.Write([]byte("hello\n")); err != nil {
		t.Fatal(err)
	}
	if got, err := readFull(c, 6); err != nil || string(got) != "olleh\n" {
		t.Fatalf("read %q, %v", got, err)
	}
	c.Close()
	waitExit(t, done)
}

// `openssl s_client -ech_config_list` against our server with
// EncryptedClientHelloKeys: the server decrypts s_client's ClientHello,
// reports ECHAccepted and the inner name, and reads what s_client sent;
// s_client verifies the inner name's certificate.
func TestECHServerAgainstOpenSSLClient(t *testing.T) {
	needECH(t)
	cert, _ := echServerCert(t)
	key := echKey(t, 3, echPublic, true)
	cfg := &Config{Certificates: []Certificate{cert}, EncryptedClientHelloKeys: []tls.EncryptedClientHelloKey{key}}
	defer cfg.Free()
	l, err := Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	f := certFiles(t, map[string][]byte{"ca.pem": testcertsCA()})
	c, sc := startSClient(t, l, "ping\n", "-servername", echInner,
		"-CAfile", f["ca.pem"], "-verify_return_error", "-tls1_3",
		"-ech_config_list", base64.StdEncoding.EncodeToString(echList(key)))
	if got, err := readFull(c, 5); err != nil || string(got) != "ping\n" {
		t.Fatalf("read %q, %v\n%s", got, err, sc.stderr.String())
	}
	st := c.OpenSSLState()
	if !st.ECHAccepted || st.ServerName != echInner {
		t.Errorf("server: ECHAccepted %v, ServerName %q; want true, %q", st.ECHAccepted, st.ServerName, echInner)
	}
	c.Close()
	if err := sc.wait(); err != nil {
		t.Fatalf("s_client: %v\n%s\n%s", err, sc.out.String(), sc.stderr.String())
	}
}
