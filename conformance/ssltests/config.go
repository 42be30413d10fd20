// Package ssltests runs OpenSSL's data-driven handshake tests
// (test/ssl-tests/*.cnf, the files test/ssl_test.c reads) through the Go
// binding: each case's contexts are configured with SSL_CONF_cmd from the
// case's sections, the handshake runs over memory BIOs with the client and
// server stepped in turn, and the outcome is checked as OpenSSL's harness
// checks it.
package ssltests

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
)

// Config is a parsed file in OpenSSL's configuration format (NCONF): named
// sections of name = value lines in file order. The lines before the first
// section header belong to the section "default".
type Config struct {
	sections map[string][]KV
	order    []string
}

// KV is one name = value line of a section, its value expanded.
type KV struct{ Name, Value string }

// Section returns the lines of section name in file order, and whether the
// file has it.
func (c *Config) Section(name string) ([]KV, bool) {
	kv, ok := c.sections[name]
	return kv, ok
}

// Get returns the last value of name in section, as NCONF_get_string does
// (a later line replaces an earlier one).
func (c *Config) Get(section, name string) (string, bool) {
	kv := c.sections[section]
	for i := len(kv) - 1; i >= 0; i-- {
		if kv[i].Name == name {
			return kv[i].Value, true
		}
	}
	return "", false
}

// ParseConfigFile reads and parses the file at path.
func ParseConfigFile(path string) (*Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c, err := ParseConfig(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ParseConfig parses the configuration format as the generated ssl-tests
// files use it: "[ section name ]" headers (names may hold spaces), "name =
// value" lines, "#" comments, backslash escapes and quotes in values,
// trailing-backslash continuation lines, and variable references $name,
// ${name}, $(name), ${section::name} and $section::name, where the section
// ENV reads the environment. A reference to an unset variable is an error,
// as in OpenSSL.
func ParseConfig(r io.Reader) (*Config, error) {
	c := &Config{sections: map[string][]KV{}}
	cur := "default"
	c.sections[cur] = nil
	c.order = append(c.order, cur)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	lineNo := 0
	pending := ""
	for sc.Scan() {
		lineNo++
		line := pending + sc.Text()
		pending = ""
		if strings.HasSuffix(line, "\\") && !strings.HasSuffix(line, "\\\\") {
			pending = line[:len(line)-1]
			continue
		}
		t := strings.TrimSpace(line)
		if t == "" || t[0] == '#' || t[0] == ';' {
			continue
		}
		if t[0] == '[' {
			end := strings.IndexByte(t, ']')
			if end < 0 {
				return nil, fmt.Errorf("line %d: missing close square bracket", lineNo)
			}
			cur = strings.TrimSpace(t[1:end])
			if _, ok := c.sections[cur]; !ok {
				c.sections[cur] = nil
				c.order = append(c.order, cur)
			}
			continue
		}
		eq := strings.IndexByte(t, '=')
		if eq < 0 {
			return nil, fmt.Errorf("line %d: missing equal sign", lineNo)
		}
		name := strings.TrimSpace(t[:eq])
		sect := cur
		if i := strings.Index(name, "::"); i >= 0 {
			sect, name = name[:i], name[i+2:]
		}
		if name == "" {
			return nil, fmt.Errorf("line %d: empty name", lineNo)
		}
		v, err := c.value(cur, t[eq+1:])
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", lineNo, err)
		}
		if _, ok := c.sections[sect]; !ok {
			c.order = append(c.order, sect)
		}
		c.sections[sect] = append(c.sections[sect], KV{name, v})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

func isNameByte(b byte) bool {
	return b == '_' || b == '.' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

// value expands one raw value: leading and trailing space dropped,
// comments cut, escapes and quotes resolved, variables substituted.
func (c *Config) value(sect, raw string) (string, error) {
	var b strings.Builder
	s := strings.TrimLeft(raw, " \t")
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '#':
			i = len(s)
		case ch == '\\' && i+1 < len(s):
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'b':
				b.WriteByte('\b')
			default:
				b.WriteByte(s[i])
			}
		case ch == '"' || ch == '\'':
			end := strings.IndexByte(s[i+1:], ch)
			if end < 0 {
				b.WriteString(s[i+1:])
				i = len(s)
				break
			}
			b.WriteString(s[i+1 : i+1+end])
			i += end + 1
		case ch == '$' && i+1 < len(s):
			n, v, err := c.expand(sect, s[i+1:])
			if err != nil {
				return "", err
			}
			b.WriteString(v)
			i += n
		default:
			b.WriteByte(ch)
		}
	}
	return strings.TrimRight(b.String(), " \t"), nil
}

// expand reads a variable reference after a '$' and returns how many bytes
// it used and its value.
func (c *Config) expand(sect, s string) (int, string, error) {
	used := 0
	var ref string
	if s[0] == '{' || s[0] == '(' {
		closer := byte('}')
		if s[0] == '(' {
			closer = ')'
		}
		end := strings.IndexByte(s, closer)
		if end < 0 {
			return 0, "", fmt.Errorf("no close brace in %q", s)
		}
		ref, used = s[1:end], end+1
	} else {
		j := 0
		for j < len(s) && (isNameByte(s[j]) || s[j] == ':' && j+1 < len(s) && s[j+1] == ':') {
			if s[j] == ':' {
				j += 2
				continue
			}
			j++
		}
		ref, used = s[:j], j
	}
	vs, name := sect, ref
	if i := strings.Index(ref, "::"); i >= 0 {
		vs, name = ref[:i], ref[i+2:]
	}
	if vs == "ENV" {
		v, ok := os.LookupEnv(name)
		if !ok {
			return 0, "", fmt.Errorf("variable has no value: %s", ref)
		}
		return used, v, nil
	}
	if v, ok := c.Get(vs, name); ok {
		return used, v, nil
	}
	if v, ok := c.Get("default", name); ok {
		return used, v, nil
	}
	return 0, "", fmt.Errorf("variable has no value: %s", ref)
}
