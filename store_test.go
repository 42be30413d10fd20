package libssl_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	libssl "github.com/libssl-go/libssl"
	"github.com/libssl-go/libssl/internal/testcerts"
)

// serveWith makes a server context in l from a store's objects (the first
// certificate as the leaf, the rest as the chain, the first key) and
// handshakes with a default-context client that verifies the chain.
func serveWith(t *testing.T, l *libssl.LibCtx, objs *libssl.StoreObjects) error {
	t.Helper()
	sctx := must(libssl.NewCtxEx(l, "", libssl.TLSServerMethod))
	defer sctx.Free()
	check(t, sctx.UseCertificate(objs.Certificates[0]))
	for _, x := range objs.Certificates[1:] {
		check(t, sctx.AddExtraChainCert(x))
	}
	check(t, sctx.UsePrivateKey(objs.PrivateKeys[0]))
	check(t, sctx.CheckPrivateKey())
	cctx := clientCtx(t, ctxOpts{})
	defer cctx.Free()
	return handshake(t, cctx, sctx)
}

// A PEM file holding a chain and a key loads through OSSL_STORE by file:
// URI and by plain path, in the default context and in a library context:
// the certificates in order, the key, and a server made from them
// handshakes.
func TestLoadStoreChainAndKey(t *testing.T) {
	libCtxTest(t)
	_, path := storeFiles(t)
	l := must(libssl.NewLibCtx())
	defer l.Free()
	cs := testcerts.Get()
	for _, tc := range []struct {
		name string
		uri  string
		l    *libssl.LibCtx
	}{
		{"file URI", "file:" + path, nil},
		{"plain path", path, nil},
		{"library context", "file:" + path, l},
	} {
		t.Run(tc.name, func(t *testing.T) {
			libCtxTest(t)
			objs := must(libssl.LoadStore(tc.uri, &libssl.StoreOptions{LibCtx: tc.l}))
			defer objs.Free()
			if len(objs.Certificates) != 2 || len(objs.PrivateKeys) != 1 {
				t.Fatalf("loaded %d certificates and %d keys, want 2 and 1", len(objs.Certificates), len(objs.PrivateKeys))
			}
			for i, want := range [][]byte{cs.LeafDER, cs.CADER} {
				if der := must(objs.Certificates[i].DER()); !bytes.Equal(der, want) {
					t.Fatalf("certificate %d is not the file's certificate %d", i, i)
				}
			}
			check(t, serveWith(t, tc.l, objs))
		})
	}
}

// encryptedKey writes the test leaf's key as encrypted PKCS#8 (RFC 8018
// PBES2: PBKDF2 with HMAC-SHA256, AES-256-CBC; what openssl pkcs8 -topk8
// -v2 aes-256-cbc writes) under pass phrase pass.
func encryptedKey(t *testing.T, dir, pass string) string {
	t.Helper()
	block, _ := pem.Decode(testcerts.Get().LeafKey)
	if block == nil {
		t.Fatal("the test leaf's key is not PEM")
	}
	var key any
	var err error
	if key, err = x509.ParsePKCS8PrivateKey(block.Bytes); err != nil {
		if key, err = x509.ParseECPrivateKey(block.Bytes); err != nil {
			t.Fatalf("the test leaf's key: %v", err)
		}
	}
	plain := must(x509.MarshalPKCS8PrivateKey(key))
	salt, iv := make([]byte, 16), make([]byte, aes.BlockSize)
	must(rand.Read(salt))
	must(rand.Read(iv))
	const iter = 2048
	aesKey := must(pbkdf2.Key(sha256.New, pass, salt, iter, 32))
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	data := append(plain, bytes.Repeat([]byte{byte(pad)}, pad)...)
	c := must(aes.NewCipher(aesKey))
	cipher.NewCBCEncrypter(c, iv).CryptBlocks(data, data)

	type algorithm struct {
		OID    asn1.ObjectIdentifier
		Params asn1.RawValue
	}
	raw := func(v any) asn1.RawValue { return asn1.RawValue{FullBytes: must(asn1.Marshal(v))} }
	null := asn1.RawValue{Tag: asn1.TagNull}
	pbkdf2Params := struct {
		Salt []byte
		Iter int
		PRF  algorithm
	}{salt, iter, algorithm{asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}, null}} // hmacWithSHA256
	pbes2 := struct{ KDF, Enc algorithm }{
		algorithm{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}, raw(pbkdf2Params)}, // PBKDF2
		algorithm{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}, raw(iv)},       // aes256-CBC
	}
	info := struct {
		Alg  algorithm
		Data []byte
	}{algorithm{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}, raw(pbes2)}, data} // PBES2
	enc := filepath.Join(dir, "key-pkcs8-enc.pem")
	out := pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: must(asn1.Marshal(info))})
	if err := os.WriteFile(enc, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return enc
}

// An encrypted PKCS#8 key loads with the right PIN and serves a handshake
// (with the chain loaded from another file); a wrong PIN and no PIN fail
// with the store's own reasons.
func TestLoadStoreEncryptedKey(t *testing.T) {
	libCtxTest(t)
	dir, chain := storeFiles(t)
	enc := encryptedKey(t, dir, "open sesame")

	key := must(libssl.LoadStore(enc, &libssl.StoreOptions{PIN: []byte("open sesame")}))
	defer key.Free()
	if len(key.PrivateKeys) != 1 || len(key.Certificates) != 0 {
		t.Fatalf("loaded %d keys and %d certificates, want the key alone", len(key.PrivateKeys), len(key.Certificates))
	}
	certs := must(libssl.LoadStore("file:"+chain, nil))
	defer certs.Free()
	check(t, serveWith(t, nil, &libssl.StoreObjects{Certificates: certs.Certificates, PrivateKeys: key.PrivateKeys}))

	for _, tc := range []struct {
		name string
		pin  []byte
		want string
	}{
		{"wrong PIN", []byte("open barley"), "bad decrypt"},
		{"no PIN", nil, "unable to get passphrase"},
		{"empty PIN", []byte{}, "bad decrypt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := libssl.LoadStore(enc, &libssl.StoreOptions{PIN: tc.pin})
			if err == nil {
				objs.Free()
				t.Fatal("the encrypted key loaded")
			}
			// A wrong pass phrase decrypts to garbage whose CBC padding is
			// valid about once in 256 tries: libssl then reports the
			// decoder's failure instead of "bad decrypt".
			want := strings.Contains(err.Error(), tc.want) ||
				(tc.want == "bad decrypt" && strings.Contains(err.Error(), "No supported data to decode"))
			var e *libssl.Error
			if !errors.As(err, &e) || e.Op != "OSSL_STORE_load" || !want {
				t.Fatalf("error %v (%T), want OSSL_STORE_load failing with %q", err, err, tc.want)
			}
		})
	}
}

// The store's UI never reads standard input: a child process whose stdin
// holds the right pass phrase loads the encrypted key without a PIN and
// fails (a UI that prompted would read it and succeed).
func TestLoadStoreNeverReadsStdin(t *testing.T) {
	if enc := os.Getenv("LIBSSL_GO_STORE_CHILD_KEY"); enc != "" {
		objs, err := libssl.LoadStore(enc, nil)
		if err == nil {
			objs.Free()
			os.Stdout.WriteString("LOADED\n")
			return
		}
		os.Stdout.WriteString("FAILED: " + err.Error() + "\n")
		return
	}
	libCtxTest(t)
	dir, _ := storeFiles(t)
	enc := encryptedKey(t, dir, "open sesame")
	cmd := exec.Command(os.Args[0], "-test.run=^TestLoadStoreNeverReadsStdin$", "-test.count=1")
	cmd.Env = append(os.Environ(), "LIBSSL_GO_STORE_CHILD_KEY="+enc)
	cmd.Stdin = strings.NewReader("open sesame\nopen sesame\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !bytes.Contains(out, []byte("FAILED: ")) || !bytes.Contains(out, []byte("unable to get passphrase")) {
		t.Fatalf("the child loaded the key or failed otherwise: the store's UI read stdin?\n%s", out)
	}
}

// A missing file and a file of garbage fail with clear errors.
func TestLoadStoreMissingAndGarbage(t *testing.T) {
	libCtxTest(t)
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("-----BEGIN NOTHING-----\nnot base64 at all\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, uri, op, want string
	}{
		{"missing", "file:" + filepath.Join(dir, "missing.pem"), "OSSL_STORE_open_ex", "No such file or directory"},
		{"garbage", garbage, "OSSL_STORE_load", "no certificate or private key found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := libssl.LoadStore(tc.uri, nil)
			if err == nil {
				objs.Free()
				t.Fatal("loading succeeded")
			}
			var e *libssl.Error
			if !errors.As(err, &e) || e.Op != tc.op || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v (%T), want %s failing with %q", err, err, tc.op, tc.want)
			}
		})
	}
}
