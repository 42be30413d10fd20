package ssltests

import (
	"bufio"
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	libssl "github.com/libssl-go/libssl"
)

// Options select what Run runs.
type Options struct {
	// Dir is a prepared source folder: Dir/ssl-tests/*.cnf (1.1.1:
	// *.conf), Dir/certs, Dir/ct/log_list.cnf (or .conf), Dir/VERSION (see
	// ci/ssl-tests-src.sh).
	Dir string
	// Files limits the run to these file names (e.g. "01-simple.cnf");
	// nil runs every *.cnf of Dir/ssl-tests.
	Files []string
	// CResults, when not empty, is C's results file (file, index, outcome
	// per line): a case Go fails and C fails too is a skip, a case where
	// they disagree otherwise is named so.
	CResults string
}

// The outcomes of a case.
const (
	Pass = "pass"
	Fail = "fail"
	Skip = "skip"
)

// Case is the outcome of one case.
type Case struct {
	Index   int    `json:"index"`
	Name    string `json:"name"`
	Outcome string `json:"outcome"`
	Reason  string `json:"reason,omitempty"`
}

// File is the outcomes of one .cnf file's cases.
type File struct {
	Name  string `json:"name"`
	Cases []Case `json:"cases"`
}

// Counts returns the file's pass, fail and skip counts.
func (f *File) Counts() (pass, fail, skip int) {
	for _, c := range f.Cases {
		switch c.Outcome {
		case Pass:
			pass++
		case Fail:
			fail++
		default:
			skip++
		}
	}
	return
}

// Report is a run's outcome.
type Report struct {
	Source     string `json:"source"`      // Dir/VERSION
	Library    string `json:"library"`     // OpenSSL_version of the linked libssl
	OpenSSLCnf string `json:"openssl_cnf"` // OPENSSL_CONF during the run
	Files      []File `json:"files"`
}

// Counts returns the report's pass, fail and skip totals.
func (r *Report) Counts() (pass, fail, skip int) {
	for i := range r.Files {
		p, f, s := r.Files[i].Counts()
		pass, fail, skip = pass+p, fail+f, skip+s
	}
	return
}

// setEnv makes the environment the case files expect, TEST_CERTS_DIR and
// CTLOG_FILE pointing into dir, before any case is read: an unset variable
// is set, one set elsewhere is an error (the files would read other
// certificates than the C run of the same folder).
func setEnv(dir string) error {
	ctlog := filepath.Join(dir, "ct", "log_list.cnf")
	if _, err := os.Stat(ctlog); err != nil {
		// 1.1.1 names its files .conf; a folder may keep that name.
		if alt := filepath.Join(dir, "ct", "log_list.conf"); fileExists(alt) {
			ctlog = alt
		}
	}
	want := map[string]string{
		"TEST_CERTS_DIR": filepath.Join(dir, "certs"),
		"CTLOG_FILE":     ctlog,
	}
	for k, v := range want {
		cur, ok := os.LookupEnv(k)
		if !ok || cur == "" {
			if err := os.Setenv(k, v); err != nil {
				return err
			}
			continue
		}
		a, _ := filepath.Abs(cur)
		b, _ := filepath.Abs(v)
		if filepath.Clean(a) != filepath.Clean(b) {
			return fmt.Errorf("ssltests: %s=%s, but the folder's is %s: unset it or point it there", k, cur, v)
		}
	}
	return nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func ctlogFile() string { return os.Getenv("CTLOG_FILE") }

// Run runs the cases of opts.Dir and reports each case's outcome. It
// sets TEST_CERTS_DIR and CTLOG_FILE to the folder's when they are unset
// and fails when they point elsewhere. Cases run one at a time.
func Run(opts Options) (*Report, error) {
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	if err := setEnv(dir); err != nil {
		return nil, err
	}
	rep := &Report{Library: libssl.RuntimeVersionText(), OpenSSLCnf: os.Getenv("OPENSSL_CONF")}
	if b, err := os.ReadFile(filepath.Join(dir, "VERSION")); err == nil {
		rep.Source = strings.TrimSpace(string(b))
	}
	var cres map[string]string
	if opts.CResults != "" {
		if cres, err = ReadCResults(opts.CResults); err != nil {
			return nil, err
		}
	}
	files := opts.Files
	if files == nil {
		// *.cnf; 1.1.1's files are *.conf
		for _, pat := range []string{"*.cnf", "*.conf"} {
			m, err := filepath.Glob(filepath.Join(dir, "ssl-tests", pat))
			if err != nil {
				return nil, err
			}
			for _, f := range m {
				files = append(files, filepath.Base(f))
			}
		}
		sort.Strings(files)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("ssltests: no .cnf files in %s", filepath.Join(dir, "ssl-tests"))
	}
	for _, name := range files {
		f, err := runFile(filepath.Join(dir, "ssl-tests", name))
		if err != nil {
			return nil, err
		}
		if cres != nil {
			applyC(f, cres)
		}
		rep.Files = append(rep.Files, *f)
	}
	return rep, nil
}

// ReadCResults reads C's results file: "<file>\t<index>\t<outcome>" lines,
// keyed "file\tindex".
func ReadCResults(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			return nil, fmt.Errorf("%s:%d: want file<TAB>index<TAB>outcome", path, n)
		}
		m[f[0]+"\t"+f[1]] = f[2]
	}
	return m, nil
}

// applyC lets C decide: a Go failure that C's ssl_test fails too is a
// skip; a disagreement the other way is a failure named so.
func applyC(f *File, cres map[string]string) {
	for i := range f.Cases {
		c := &f.Cases[i]
		co, ok := cres[f.Name+"\t"+strconv.Itoa(c.Index)]
		if !ok {
			continue
		}
		switch {
		case c.Outcome == Fail && co == Fail:
			c.Outcome, c.Reason = Skip, "C's ssl_test fails it too on this build: "+c.Reason
		case c.Outcome == Fail && co == Pass:
			c.Reason = "Go and C disagree (C passes): " + c.Reason
		case c.Outcome == Pass && co == Fail:
			c.Outcome, c.Reason = Fail, "Go and C disagree (C fails, Go passes)"
		}
	}
}

func runFile(path string) (*File, error) {
	cfg, err := ParseConfigFile(path)
	if err != nil {
		return nil, err
	}
	f := &File{Name: filepath.Base(path)}
	nv, _ := cfg.Get("default", "num_tests")
	n, err := strconv.Atoi(nv)
	if err != nil {
		return nil, fmt.Errorf("%s: num_tests %q", path, nv)
	}
	for i := 0; i < n; i++ {
		tc, err := ParseCase(cfg, i)
		if err != nil {
			name, _ := cfg.Get("default", fmt.Sprintf("test-%d", i))
			f.Cases = append(f.Cases, Case{Index: i, Name: name, Outcome: Fail, Reason: "parse: " + err.Error()})
			continue
		}
		f.Cases = append(f.Cases, runCase(tc))
	}
	return f, nil
}

// skipReason names why a case cannot run through the binding, or "".
func skipReason(tc *TestCase) string {
	switch {
	case tc.Method == "QUIC":
		return "QUIC"
	case tc.UseSCTP:
		return "SCTP"
	case tc.Extra.Client.SRPUser != "" || tc.Extra.Server.SRPUser != "" || tc.ResumeExtra.Client.SRPUser != "" || tc.ResumeExtra.Server.SRPUser != "":
		return "SRP"
	case tc.Extra.Server.ForcePHA || tc.ResumeExtra.Server.ForcePHA:
		return "ForcePHA writes libssl's private SSL structure (post_handshake_auth), which no API reaches"
	}
	return ""
}

func runCase(tc *TestCase) (out Case) {
	out = Case{Index: tc.Index, Name: tc.Name}
	if r := skipReason(tc); r != "" {
		out.Outcome, out.Reason = Skip, r
		return out
	}
	defer func() {
		if p := recover(); p != nil {
			out.Outcome, out.Reason = Fail, fmt.Sprintf("panic: %v", p)
		}
	}()
	res, err := runHandshakes(tc)
	if err != nil {
		if errors.Is(err, libssl.ErrUnsupported) {
			out.Outcome, out.Reason = Skip, "feature not in this build: "+err.Error()
			return out
		}
		out.Outcome, out.Reason = Fail, err.Error()
		return out
	}
	if problems := check(res, tc); len(problems) > 0 {
		out.Outcome, out.Reason = Fail, strings.Join(problems, "; ")
		return out
	}
	out.Outcome = Pass
	return out
}

// newCtx makes one of a case's contexts as ssl_test does, and applies its
// SSL section with the flags libssl's ssl_conf module uses for
// SSL_CTX_config (file names, certificates with their keys required, the
// context's role).
func newCtx(tc *TestCase, server bool, section string, required bool) (*libssl.Ctx, error) {
	m := libssl.TLSClientMethod
	switch {
	case tc.Method == "DTLS" && server:
		m = libssl.DTLSServerMethod
	case tc.Method == "DTLS":
		m = libssl.DTLSClientMethod
	case server:
		m = libssl.TLSServerMethod
	}
	ctx, err := libssl.NewCtx(m)
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			ctx.Free()
		}
	}()
	if err := ctx.SetMaxProtoVersion(0); err != nil {
		return nil, err
	}
	if server {
		if err := ctx.SetOptions(libssl.OpAllowClientRenegotiation); err != nil {
			return nil, err
		}
	}
	cmds, has := tc.SSL[section]
	if !has {
		if required {
			return nil, fmt.Errorf("SSL_CTX_config %q: no such section in the case's ssl_conf", section)
		}
	} else if err := applySection(ctx, server, section, cmds); err != nil {
		return nil, err
	}
	// The harness's SSL_CTX_set_dh_auto after SSL_CTX_config, on the
	// servers' contexts only.
	if server && current.dhAuto {
		if err := ctx.SetDHAuto(true); err != nil {
			return nil, err
		}
	}
	ok = true
	return ctx, nil
}

// compressCerts pre-compresses the certificates of a handshake's server
// contexts, as the harness does for CompressCertificates.
func compressCerts(tc *TestCase, ctxs ...*libssl.Ctx) error {
	if !tc.CompressCertificates {
		return nil
	}
	for _, c := range ctxs {
		if c == nil {
			continue
		}
		if err := c.CompressCerts(0); err != nil {
			return err
		}
	}
	return nil
}

func applySection(ctx *libssl.Ctx, server bool, section string, cmds []KV) error {
	cc, err := libssl.NewConfCtx()
	if err != nil {
		return err
	}
	defer cc.Free()
	flags := libssl.ConfFlagFile | libssl.ConfFlagCertificate | libssl.ConfFlagRequirePrivate
	if server {
		flags |= libssl.ConfFlagServer
	} else {
		flags |= libssl.ConfFlagClient
	}
	if _, err := cc.SetFlags(flags); err != nil {
		return err
	}
	if err := cc.SetSSLCtx(ctx); err != nil {
		return err
	}
	for _, kv := range cmds {
		// As libssl's ssl_conf module reads a section: a name's text up to
		// its first dot only tells lines apart ("ECDSA.Certificate").
		name := kv.Name
		if i := strings.IndexByte(name, '.'); i >= 0 {
			name = name[i+1:]
		}
		if err := cc.Cmd(name, kv.Value); err != nil {
			return fmt.Errorf("[%s]: %w", section, err)
		}
	}
	if err := cc.Finish(); err != nil {
		return fmt.Errorf("[%s] SSL_CONF_CTX_finish: %w", section, err)
	}
	return nil
}

// runHandshakes makes the case's contexts and runs its handshake, and the
// resumed one in Resume mode.
func runHandshakes(tc *TestCase) (*handshakeResult, error) {
	var first contexts
	defer func() { first.server.Free(); first.server2.Free(); first.client.Free() }()
	var err error
	if first.server, err = newCtx(tc, true, "server", true); err != nil {
		return nil, err
	}
	if first.client, err = newCtx(tc, false, "client", true); err != nil {
		return nil, err
	}
	if tc.Extra.Server.ServerNameCallback != "None" {
		if first.server2, err = newCtx(tc, true, "server2", true); err != nil {
			return nil, err
		}
	}
	if err := compressCerts(tc, first.server, first.server2); err != nil {
		return nil, err
	}
	if tc.HandshakeMode != ModeResume {
		return runOne(&first, tc, &tc.Extra, nil, nil)
	}
	var second contexts
	defer func() { second.server.Free(); second.client.Free() }()
	if second.server, err = newCtx(tc, true, "resume-server", true); err != nil {
		return nil, err
	}
	if second.client, err = newCtx(tc, false, "resume-client", true); err != nil {
		return nil, err
	}
	if err := compressCerts(tc, second.server); err != nil {
		return nil, err
	}
	var sess sessions
	defer sess.free()
	res, err := runOne(&first, tc, &tc.Extra, nil, &sess)
	if err != nil || res.result == ResultInternalError {
		return res, err
	}
	if res.result != ResultSuccess {
		res.result = ResultFirstHandshakeFailed
		return res, nil
	}
	if sess.client == nil || sess.server == nil {
		return nil, errors.New("first handshake left no session to resume")
	}
	return runOne(&second, tc, &tc.ResumeExtra, &sess, nil)
}

// loadCANames reads the subject names of the certificates in a PEM file,
// DER-encoded, as SSL_load_client_CA_file does ("empty": none).
func loadCANames(path string) ([][]byte, error) {
	if path == "empty" {
		return [][]byte{}, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var names [][]byte
	seen := map[string]bool{}
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" && blk.Type != "TRUSTED CERTIFICATE" {
			continue
		}
		x, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if !seen[string(x.RawSubject)] { // the file's duplicates are dropped
			seen[string(x.RawSubject)] = true
			names = append(names, x.RawSubject)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s: no certificates", path)
	}
	return names, nil
}
