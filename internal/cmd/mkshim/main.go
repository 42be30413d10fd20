// Command mkshim generates the C boundary of package libssl from one
// declaration per C function in shim.def, the only place a C function of
// the boundary is declared: the prototypes of the hand-written lsh_ helpers
// and the C wrappers that capture the error queue (zshim.h, zshim.c), and
// the raw Go wrappers that turn a failed call into an error by a named
// predicate, with the #cgo noescape and nocallback hints (zshim.go). It is
// run by go generate in the module root.
//
// Names: NAME is the C function shim.def declares, a libssl function or a
// helper written by hand in shim_*.c, whose name carries the lsh_ prefix
// (libssl helper). Its C wrapper is lsx_BASE (libssl exchange: the call
// inside the capture protocol), its Go wrapper c_BASE, where BASE is NAME
// without lsh_. lsg_BASE is the result struct of a val or void wrapper
// that has more to report than the value (busy, panic token).
//
// A declaration line is
//
//	PRED HINTS PROTOTYPE [op=NAME] [since=0xVERSION]
//
// PRED names the failure predicate:
//
//	one     fails unless the result is 1
//	zero    fails unless the result is 0 (SSL_set_alpn_protos)
//	ptr     fails when the result is NULL
//	opt     a pointer that may be NULL; fails only when NULL comes with queued errors
//	pos     fails unless the result is > 0
//	nonneg  fails when the result is < 0
//	io      SSL I/O: fails unless the result is > 0, judged by SSL_get_error
//	io0     SSL I/O that succeeds with 0 too (SSL_shutdown)
//	iow     io, but a want-read or want-write with nothing queued returns
//	        the bare ErrWantRead or ErrWantWrite, without allocating, and
//	        the helper's two ls_aux results come back by value beside the
//	        result (the steady-state pump of package openssl's Conn)
//	val     cannot fail: no capture, the value is returned as is
//	void    cannot fail and returns nothing
//
// HINTS is "cb" (the call may reach a Go callback: no hint), or "nocb"
// (#cgo nocallback), optionally joined with "noesc" (#cgo noescape),
// "noguard" and "onfail" by commas.
//
// The capture. By default a fallible wrapper clears the thread's error queue
// and errno before the call (ls_begin), and after it reads errno (and
// SSL_get_error for the I/O predicates) and drains the queue (ls_finish_*),
// whatever the outcome. "onfail" makes a wrapper capture on the failure
// path only: it zeroes errno before the call but does not touch the queue,
// and reads errno and drains the queue only when the predicate says the
// call failed; a success returns without any ERR_* call. That is safe
// because no public method of the package leaves an entry on the thread's
// queue (errqueue_invariant_test.go in the module root), so the queue is
// empty when such a call starts, and a call that succeeds queues nothing
// of its own (the same test shows it). It is refused with the I/O
// predicates (io, io0, iow): SSL_get_error reads the queue, which must be
// empty before the call for its verdict to be the call's.
//
// A cb call runs under a fresh panic token (ls_call_enter, shim.h): a Go
// callback that recovers a panic keeps it under the token of the call
// running on its thread, the C wrapper reports that token in its result,
// and the Go wrapper raises the panic again (raisePanic, panics.go) after
// the call's error capture, on the caller's goroutine. No method places
// that by hand.
//
// A pointer to an OpenSSL object (SSL *, SSL_CTX *, ...: see opaque)
// crosses cgo as a uintptr_t, which cgo does not check for Go pointers;
// the C wrapper casts it back before the call.
//
// A function whose first parameter is an SSL (SSL * or const SSL *) is
// guarded: its C wrapper enters the SSL's guard (ls_guard_enter, shim.h)
// before the call and leaves it after, so that two threads are never inside
// calls on one SSL at once. A call the guard refuses is not made: the
// fallible wrappers return ls_busy() (Go: an error matching
// ErrConcurrentUse), the val and void wrappers return a busy flag beside the
// value (Go: a panic with such an error, as they have no error result).
// "noguard" exempts the functions libssl makes safe to call concurrently
// (SSL_up_ref, SSL_free: atomic reference counts). since gates the function
// on OPENSSL_VERSION_NUMBER; on older versions the Go wrapper returns
// ErrUnsupported.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

type param struct{ ctype, name string }

type decl struct {
	pred, op, since string
	nocb, noesc     bool
	noguard         bool
	onfail          bool // capture only on the failure path (see the package doc)
	ret, name       string
	params          []param
	line            int
}

// name is the function the wrapper calls; helpers written in shim_*.c carry
// the lsh_ prefix, which the wrapper and Go names drop.
func (d *decl) base() string    { return strings.TrimPrefix(d.name, "lsh_") }
func (d *decl) wrapper() string { return "lsx_" + d.base() }
func (d *decl) goName() string  { return "c_" + d.base() }

var protoRE = regexp.MustCompile(`^(.*?)\b([A-Za-z_][A-Za-z0-9_]*)\s*\((.*)\)$`)

func parse(path string) ([]decl, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []decl
	seen := map[string]int{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 3 {
			return nil, fmt.Errorf("%s:%d: want PRED HINTS PROTOTYPE", path, n)
		}
		d := decl{pred: fields[0], line: n}
		switch d.pred {
		case "one", "zero", "ptr", "opt", "pos", "nonneg", "io", "io0", "iow", "val", "void":
		default:
			return nil, fmt.Errorf("%s:%d: unknown predicate %q", path, n, d.pred)
		}
		for _, h := range strings.Split(fields[1], ",") {
			switch h {
			case "cb":
			case "nocb":
				d.nocb = true
			case "noesc":
				d.noesc = true
			case "noguard":
				d.noguard = true
			case "onfail":
				d.onfail = true
			default:
				return nil, fmt.Errorf("%s:%d: unknown hint %q", path, n, h)
			}
		}
		rest := strings.TrimSpace(strings.SplitN(line, fields[1], 2)[1])
		close := strings.LastIndex(rest, ")")
		if close < 0 {
			return nil, fmt.Errorf("%s:%d: no parameter list", path, n)
		}
		for _, opt := range strings.Fields(rest[close+1:]) {
			k, v, ok := strings.Cut(opt, "=")
			switch {
			case ok && k == "op":
				d.op = v
			case ok && k == "since":
				d.since = v
			default:
				return nil, fmt.Errorf("%s:%d: unknown option %q", path, n, opt)
			}
		}
		m := protoRE.FindStringSubmatch(rest[:close+1])
		if m == nil {
			return nil, fmt.Errorf("%s:%d: cannot read the prototype", path, n)
		}
		d.ret, d.name = normType(m[1]), m[2]
		if d.op == "" {
			d.op = d.name
		}
		if ps := strings.TrimSpace(m[3]); ps != "" && ps != "void" {
			for i, p := range strings.Split(ps, ",") {
				pm := regexp.MustCompile(`^(.*?)([A-Za-z_][A-Za-z0-9_]*)$`).FindStringSubmatch(strings.TrimSpace(p))
				if pm == nil {
					return nil, fmt.Errorf("%s:%d: parameter %d unreadable", path, n, i+1)
				}
				name := pm[2]
				if goKeywords[name] {
					name += "_"
				}
				d.params = append(d.params, param{normType(pm[1]), name})
			}
		}
		if err := d.check(); err != nil {
			return nil, fmt.Errorf("%s:%d: %s: %v", path, n, d.name, err)
		}
		if prev, dup := seen[d.base()]; dup {
			return nil, fmt.Errorf("%s:%d: %s declared again (first at line %d)", path, n, d.name, prev)
		}
		seen[d.base()] = n
		out = append(out, d)
	}
	return out, sc.Err()
}

// reserved are the names the generated wrappers use for their locals.
var reserved = map[string]bool{"r": true, "g": true, "rv": true, "saved": true, "aux": true}

var goKeywords = map[string]bool{"type": true, "func": true, "var": true, "range": true, "map": true,
	"chan": true, "go": true, "select": true, "default": true, "package": true, "import": true, "interface": true}

func normType(t string) string {
	t = strings.TrimSpace(t)
	t = strings.ReplaceAll(t, "*", " * ")
	t = strings.Join(strings.Fields(t), " ")
	return strings.ReplaceAll(t, "* *", "**")
}

func (d *decl) check() error {
	isPtr := strings.HasSuffix(d.ret, "*")
	switch d.pred {
	case "ptr", "opt":
		if !isPtr {
			return fmt.Errorf("predicate %s needs a pointer result", d.pred)
		}
	case "void":
		if d.ret != "void" {
			return fmt.Errorf("predicate void needs a void result")
		}
	case "val":
	default:
		if isPtr || d.ret == "void" {
			return fmt.Errorf("predicate %s needs an integer result", d.pred)
		}
	}
	if (d.pred == "io" || d.pred == "io0" || d.pred == "iow") && (len(d.params) == 0 || d.params[0].ctype != "SSL *") {
		return fmt.Errorf("an I/O call takes the SSL first")
	}
	if d.onfail {
		switch d.pred {
		case "io", "io0", "iow":
			return fmt.Errorf("onfail with predicate %s: SSL_get_error needs the queue cleared before the call", d.pred)
		case "val", "void":
			return fmt.Errorf("onfail with predicate %s, which captures nothing", d.pred)
		}
	}
	if d.since != "" && (d.pred == "val" || d.pred == "void") {
		return fmt.Errorf("since= needs a fallible predicate (the wrapper reports ErrUnsupported)")
	}
	for _, p := range d.params {
		if _, err := goType(p.ctype); err != nil {
			return err
		}
		if reserved[p.name] {
			return fmt.Errorf("parameter name %q is a local of the generated wrappers", p.name)
		}
	}
	if d.pred == "val" {
		if _, err := goType(d.ret); err != nil {
			return err
		}
	}
	return nil
}

// goType maps a C parameter or result type to its cgo spelling.
func goType(ct string) (string, error) {
	t := strings.TrimSpace(strings.ReplaceAll(" "+ct+" ", " const ", " "))
	stars := strings.Count(t, "*")
	t = strings.TrimSpace(strings.ReplaceAll(t, "*", ""))
	scalar := map[string]string{
		"int": "C.int", "long": "C.long", "unsigned long": "C.ulong", "unsigned int": "C.uint",
		"size_t": "C.size_t", "uint64_t": "C.uint64_t", "int64_t": "C.int64_t", "uint32_t": "C.uint32_t",
		"time_t": "C.time_t", "char": "C.char", "unsigned char": "C.uchar", "uint8_t": "C.uint8_t",
		"uintptr_t": "C.uintptr_t", "void": "unsafe.Pointer",
	}
	var base string
	switch {
	case t == "void" && stars >= 1:
		return strings.Repeat("*", stars-1) + "unsafe.Pointer", nil
	case scalar[t] != "":
		base = scalar[t]
	case regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`).MatchString(t):
		base = "C." + t
	default:
		return "", fmt.Errorf("no Go type for C type %q", ct)
	}
	return strings.Repeat("*", stars) + base, nil
}

// guarded reports whether the wrapper enters the SSL's guard.
func (d *decl) guarded() bool {
	if d.noguard || len(d.params) == 0 {
		return false
	}
	t := d.params[0].ctype
	return t == "SSL *" || t == "const SSL *"
}

// structRet reports whether a val or void wrapper returns a result struct
// (lsg_NAME) rather than the bare value: it does when the guard can refuse
// the call (busy) or the call can reach a Go callback (panic_token).
func (d *decl) structRet() bool {
	return (d.pred == "val" || d.pred == "void") && (d.guarded() || !d.nocb)
}

// valType is the result struct of a val or void wrapper (see structRet).
func (d *decl) valType() string { return "lsg_" + d.base() }

func (d *decl) cParams() string {
	if len(d.params) == 0 {
		return "void"
	}
	var ps []string
	for _, p := range d.params {
		sep := " "
		if strings.HasSuffix(p.ctype, "*") {
			sep = ""
		}
		ps = append(ps, p.ctype+sep+p.name)
	}
	return strings.Join(ps, ", ")
}

func (d *decl) cArgs() string {
	var as []string
	for _, p := range d.params {
		as = append(as, p.name)
	}
	return strings.Join(as, ", ")
}

func (d *decl) cRet() string {
	switch {
	case d.structRet():
		return d.valType()
	case d.pred == "val":
		return d.ret
	case d.pred == "void":
		return "void"
	}
	return "ls_ret"
}

// opaque reports whether the parameter is a pointer to an OpenSSL object
// (SSL *, const SSL_CTX *, X509_STORE_CTX *: one star on an upper-case
// type name). Such a pointer is C memory, never Go's, so the wrapper takes
// it as a uintptr_t and the Go wrapper passes it as one: cgo checks every
// pointer argument of an incomplete C type for Go pointers
// (cgoCheckPointer, about 38 instructions an argument), which these cannot
// hold.
func (p param) opaque() bool {
	return regexp.MustCompile(`^(const )?[A-Z][A-Z0-9_]* \*$`).MatchString(p.ctype)
}

// wrapperParams is the wrapper's parameter list: cParams with each opaque
// pointer taken as the uintptr_t NAME_h.
func (d *decl) wrapperParams() string {
	if len(d.params) == 0 {
		return "void"
	}
	var ps []string
	for _, p := range d.params {
		switch {
		case p.opaque():
			ps = append(ps, "uintptr_t "+p.name+"_h")
		case strings.HasSuffix(p.ctype, "*"):
			ps = append(ps, p.ctype+p.name)
		default:
			ps = append(ps, p.ctype+" "+p.name)
		}
	}
	return strings.Join(ps, ", ")
}

// proto is the C prototype of the function shim.def declares.
func (d *decl) proto() string {
	return strings.ReplaceAll(fmt.Sprintf("%s %s(%s)", d.ret, d.name, d.cParams()), "* ", "*")
}

func genC(ds []decl) (h, c []byte) {
	var hb, cb bytes.Buffer
	const head = "/* Code generated by internal/cmd/mkshim from shim.def; DO NOT EDIT. */\n"
	hb.WriteString(head + "#ifndef LIBSSL_GO_ZSHIM_H\n#define LIBSSL_GO_ZSHIM_H\n\n")
	// The helpers written by hand in shim_*.c: their one prototype is the
	// one in shim.def.
	hb.WriteString("/* The lsh_ helpers (shim_*.c), as shim.def declares them. */\n")
	for _, d := range ds {
		if strings.HasPrefix(d.name, "lsh_") {
			fmt.Fprintf(&hb, "%s;\n", d.proto())
		}
	}
	hb.WriteString("\n/* The wrappers: lsx_NAME calls NAME (or lsh_NAME) inside the capture protocol. */\n")
	cb.WriteString(head + "#include \"shim.h\"\n\n#include <errno.h>\n\n")
	// The result of a call made with onfail that succeeded: nothing was
	// read from the queue or errno.
	cb.WriteString("static inline ls_ret lsx_ok(long v, void *p)\n{\n    ls_ret r = {0};\n    r.ret = v;\n    r.ptr = p;\n    return r;\n}\n\n")
	for _, d := range ds {
		if d.structRet() {
			var fields []string
			if d.pred == "val" {
				fields = append(fields, d.ret+" v;")
			}
			fields = append(fields, "int busy;")
			if !d.nocb {
				fields = append(fields, "uint64_t panic_token;")
			}
			fmt.Fprintf(&hb, "typedef struct { %s } %s;\n", strings.Join(fields, " "), d.valType())
		}
		sig := fmt.Sprintf("%s %s(%s)", d.cRet(), d.wrapper(), d.wrapperParams())
		sig = strings.ReplaceAll(sig, "* ", "*")
		fmt.Fprintf(&hb, "%s;\n", sig)
		fmt.Fprintf(&cb, "%s\n{\n", sig)
		for _, p := range d.params {
			if p.opaque() {
				fmt.Fprintf(&cb, "    %s%s = (%s)%s_h;\n", p.ctype, p.name, p.ctype, p.name)
			}
		}
		call := fmt.Sprintf("%s(%s)", d.name, d.cArgs())
		if d.since != "" {
			fmt.Fprintf(&cb, "#if OPENSSL_VERSION_NUMBER >= %sL\n", d.since)
		}
		if d.structRet() {
			fmt.Fprintf(&cb, "    %s r = {0};\n", d.valType())
		}
		if d.guarded() {
			busy := "\n        return ls_busy();"
			if d.structRet() {
				busy = " {\n        r.busy = 1;\n        return r;\n    }"
			}
			fmt.Fprintf(&cb, "    ls_guard *g;\n    if (!ls_guard_enter(%s, &g))%s\n", d.params[0].name, busy)
		}
		// A call that can reach a Go callback runs under a fresh panic
		// token (ls_call_enter, shim.h); the wrapper reports in its result
		// whether a callback recovered a panic under it.
		enter, leave := "", ""
		if !d.nocb {
			enter = "    ls_call saved;\n    ls_call_enter(&saved);\n"
			leave = "    r.panic_token = ls_call_leave(&saved);\n"
		}
		guardLeave := ""
		if d.guarded() {
			guardLeave = "    ls_guard_leave(g);\n"
		}
		switch d.pred {
		case "val":
			if d.structRet() {
				fmt.Fprintf(&cb, "%s    r.v = %s;\n%s%s    return r;\n", enter, call, leave, guardLeave)
			} else {
				fmt.Fprintf(&cb, "    return %s;\n", call)
			}
		case "void":
			if d.structRet() {
				fmt.Fprintf(&cb, "%s    %s;\n%s%s    return r;\n", enter, call, leave, guardLeave)
			} else {
				fmt.Fprintf(&cb, "    %s;\n", call)
			}
		default:
			if d.onfail {
				fmt.Fprintf(&cb, "    errno = 0;\n%s", enter)
				if d.pred == "ptr" || d.pred == "opt" {
					fmt.Fprintf(&cb, "    void *rv = (void *)%s;\n    ls_ret r = rv == NULL ? ls_finish_ptr(rv) : lsx_ok(1, rv);\n", call)
				} else {
					failed := map[string]string{"one": "rv != 1", "zero": "rv != 0", "pos": "rv <= 0", "nonneg": "rv < 0"}[d.pred]
					fmt.Fprintf(&cb, "    long rv = (long)%s;\n    ls_ret r = %s ? ls_finish_int(rv) : lsx_ok(rv, NULL);\n", call, failed)
				}
				fmt.Fprintf(&cb, "%s%s    return r;\n", leave, guardLeave)
				break
			}
			var expr string
			switch d.pred {
			case "ptr", "opt":
				expr = fmt.Sprintf("ls_finish_ptr((void *)%s)", call)
			case "io", "iow":
				fin := map[string]string{"io": "ls_finish_io", "iow": "ls_finish_iow"}[d.pred]
				expr = fmt.Sprintf("%s(%s, (int)%s)", fin, d.params[0].name, call)
			case "io0":
				fmt.Fprintf(&cb, "    ls_begin();\n%s    int rv = (int)%s;\n", enter, call)
				expr = fmt.Sprintf("rv >= 0 ? ls_finish_int(rv) : ls_finish_io(%s, rv)", d.params[0].name)
			default:
				expr = fmt.Sprintf("ls_finish_int((long)%s)", call)
			}
			if d.pred != "io0" {
				fmt.Fprintf(&cb, "    ls_begin();\n%s", enter)
			}
			fmt.Fprintf(&cb, "    ls_ret r = %s;\n%s%s    return r;\n", expr, leave, guardLeave)
		}
		if d.since != "" {
			var unused []string
			for _, p := range d.params {
				unused = append(unused, "(void)"+p.name+";")
			}
			fmt.Fprintf(&cb, "#else\n    %s\n    return ls_unsupported();\n#endif\n", strings.Join(unused, " "))
		}
		cb.WriteString("}\n\n")
	}
	hb.WriteString("\n#endif\n")
	return hb.Bytes(), cb.Bytes()
}

func genGo(ds []decl) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("// Code generated by internal/cmd/mkshim from shim.def; DO NOT EDIT.\n\npackage libssl\n\n/*\n")
	for _, d := range ds {
		if d.nocb {
			fmt.Fprintf(&b, "#cgo nocallback %s\n", d.wrapper())
		}
		if d.noesc {
			fmt.Fprintf(&b, "#cgo noescape %s\n", d.wrapper())
		}
	}
	b.WriteString("#include \"shim.h\"\n*/\nimport \"C\"\n\nimport \"unsafe\"\n\nvar _ unsafe.Pointer\n\n")
	for _, d := range ds {
		var ps, as []string
		for _, p := range d.params {
			gt, _ := goType(p.ctype)
			ps = append(ps, p.name+" "+gt)
			if p.opaque() {
				as = append(as, "C.uintptr_t(uintptr(unsafe.Pointer("+p.name+")))")
			} else {
				as = append(as, p.name)
			}
		}
		params, args := strings.Join(ps, ", "), strings.Join(as, ", ")
		// countCall is a no-op the compiler removes, except in builds with
		// the libssl_callcount tag (callcount_on.go), where tests count
		// the cgo calls an operation makes.
		call := fmt.Sprintf("C.%s(%s)", d.wrapper(), args)
		fmt.Fprintf(&b, "// %s calls %s (shim.def line %d, predicate %s).\n", d.goName(), d.name, d.line, d.pred)
		if d.structRet() {
			res, ret := "", ""
			if d.pred == "val" {
				gt, _ := goType(d.ret)
				res, ret = " "+gt, "\treturn r.v\n"
			}
			fmt.Fprintf(&b, "func %s(%s)%s {\n\tr := %s\n", d.goName(), params, res, call)
			if !d.nocb {
				b.WriteString("\tif r.panic_token != 0 {\n\t\traisePanic(r.panic_token)\n\t}\n")
			}
			if d.guarded() {
				fmt.Fprintf(&b, "\tif r.busy != 0 {\n\t\tconcurrentUse(%q)\n\t}\n", d.op)
			}
			fmt.Fprintf(&b, "%s}\n\n", ret)
			continue
		}
		if !d.nocb {
			// After the error capture (fail or done), a panic that a
			// callback recovered under this call's token is raised.
			call += "\n\tif r.panic_token != 0 {\n\t\tdefer raisePanic(r.panic_token)\n\t}"
		}
		switch d.pred {
		case "val":
			gt, _ := goType(d.ret)
			fmt.Fprintf(&b, "func %s(%s) %s { return %s }\n\n", d.goName(), params, gt, call)
		case "void":
			fmt.Fprintf(&b, "func %s(%s) { %s }\n\n", d.goName(), params, call)
		case "ptr", "opt":
			gt, _ := goType(d.ret)
			failed := "r.ptr == nil"
			if d.pred == "opt" {
				failed = "r.ptr == nil && r.errq != nil"
				if d.guarded() {
					failed = "r.ptr == nil && (r.errq != nil || r.busy != 0)"
				}
			}
			fmt.Fprintf(&b, "func %s(%s) (%s, error) {\n\tr := %s\n\tif %s {\n\t\treturn nil, fail(%q, &r)\n\t}\n\tdone(&r)\n\treturn (%s)(r.ptr), nil\n}\n\n",
				d.goName(), params, gt, call, failed, d.op, gt)
		case "one", "zero":
			want := map[string]string{"one": "1", "zero": "0"}[d.pred]
			fmt.Fprintf(&b, "func %s(%s) error {\n\tr := %s\n\tif r.ret != %s {\n\t\treturn fail(%q, &r)\n\t}\n\tdone(&r)\n\treturn nil\n}\n\n",
				d.goName(), params, call, want, d.op)
		case "pos", "nonneg":
			cond := map[string]string{"pos": "r.ret <= 0", "nonneg": "r.ret < 0"}[d.pred]
			fmt.Fprintf(&b, "func %s(%s) (int, error) {\n\tr := %s\n\tif %s {\n\t\treturn int(r.ret), fail(%q, &r)\n\t}\n\tdone(&r)\n\treturn int(r.ret), nil\n}\n\n",
				d.goName(), params, call, cond, d.op)
		case "io", "io0":
			cond := map[string]string{"io": "r.ret > 0", "io0": "r.ret >= 0"}[d.pred]
			fmt.Fprintf(&b, "func %s(%s) (int, error) {\n\tr := %s\n\tif %s {\n\t\tdone(&r)\n\t\treturn int(r.ret), nil\n\t}\n\treturn int(r.ret), fail(%q, &r)\n}\n\n",
				d.goName(), params, call, cond, d.op)
		case "iow":
			fmt.Fprintf(&b, "func %s(%s) (int, [2]int, error) {\n\tr := %s\n\taux := [2]int{int(r.aux[0]), int(r.aux[1])}\n\tif r.ret > 0 {\n\t\tdone(&r)\n\t\treturn int(r.ret), aux, nil\n\t}\n\treturn int(r.ret), aux, failWant(%q, &r)\n}\n\n",
				d.goName(), params, call, d.op)
		}
	}
	// Every wrapper counts its call first (see countCall).
	src := regexp.MustCompile(`(?m)^(func c_[A-Za-z0-9_]+\(.*\) .*\{)(.*)$`).ReplaceAllFunc(b.Bytes(), func(m []byte) []byte {
		line := string(m)
		i := strings.LastIndex(line, "{")
		head, rest := line[:i+1], strings.TrimSpace(line[i+1:])
		if rest == "" {
			return []byte(head + "\n\tcountCall()")
		}
		// one-line body: "{ return X }" or "{ X }"
		return []byte(head + "\n\tcountCall()\n\t" + strings.TrimSuffix(rest, "}") + "\n}")
	})
	return format.Source(src)
}

func main() {
	def := flag.String("def", "shim.def", "the declaration list")
	out := flag.String("out", ".", "where to write zshim.h, zshim.c and zshim.go")
	flag.Parse()
	ds, err := parse(*def)
	if err != nil {
		log.Fatal(err)
	}
	h, c := genC(ds)
	g, err := genGo(ds)
	if err != nil {
		log.Fatal(err)
	}
	for name, data := range map[string][]byte{"zshim.h": h, "zshim.c": c, "zshim.go": g} {
		if err := os.WriteFile(filepath.Join(*out, name), data, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
