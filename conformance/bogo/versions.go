package bogo

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// VersionEntries is the shim config's "Versions" list: DisabledTests and
// ErrorMap entries that hold only for a range of OpenSSL versions, where
// libssl's behaviour changed. The runner ignores the key; EffectiveConfig
// folds the entries whose range holds a version into the config the runner
// is given.
type VersionEntries struct {
	// From and Before bound the range: From <= version < Before, as
	// "major.minor"; an empty bound is open.
	From          string                     `json:"From,omitempty"`
	Before        string                     `json:"Before,omitempty"`
	DisabledTests map[string]json.RawMessage `json:"DisabledTests,omitempty"`
	// ErrorMap's values are lists of libssl error strings, as the
	// runner's ErrorMap has them.
	ErrorMap map[string]json.RawMessage `json:"ErrorMap,omitempty"`
}

// EffectiveConfig returns the shim config raw as the runner should get it
// for OpenSSL version ("3.5.4", "1.1.1w"): the entries of its "Versions"
// list whose range holds version are added to DisabledTests and ErrorMap,
// and the list itself is dropped. Every other key is kept as it is. A test
// pattern or error both in the base and in a matching entry is an error, so
// that no reason silently replaces another.
func EffectiveConfig(raw []byte, version string) ([]byte, error) {
	v, err := majorMinor(version)
	if err != nil {
		return nil, err
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, err
	}
	var entries []VersionEntries
	if r, ok := top["Versions"]; ok {
		if err := json.Unmarshal(r, &entries); err != nil {
			return nil, fmt.Errorf("the Versions list: %v", err)
		}
		delete(top, "Versions")
	}
	merge := func(key string, add func(VersionEntries) map[string]json.RawMessage) error {
		m := map[string]json.RawMessage{}
		if r, ok := top[key]; ok {
			if err := json.Unmarshal(r, &m); err != nil {
				return fmt.Errorf("%s: %v", key, err)
			}
		}
		for _, e := range entries {
			in, err := inRange(v, e)
			if err != nil {
				return err
			}
			if !in {
				continue
			}
			for k, val := range add(e) {
				if _, dup := m[k]; dup {
					return fmt.Errorf("%s: %q is both in the base and in the entry for %s..%s", key, k, e.From, e.Before)
				}
				m[k] = val
			}
		}
		b, err := json.Marshal(m)
		if err != nil {
			return err
		}
		top[key] = b
		return nil
	}
	if err := merge("DisabledTests", func(e VersionEntries) map[string]json.RawMessage { return e.DisabledTests }); err != nil {
		return nil, err
	}
	if err := merge("ErrorMap", func(e VersionEntries) map[string]json.RawMessage { return e.ErrorMap }); err != nil {
		return nil, err
	}
	return json.MarshalIndent(top, "", "    ")
}

// inRange reports whether v (major*100+minor) lies in e's range.
func inRange(v int, e VersionEntries) (bool, error) {
	if e.From == "" && e.Before == "" {
		return false, fmt.Errorf("the Versions list: an entry with neither From nor Before")
	}
	if e.From != "" {
		f, err := majorMinor(e.From)
		if err != nil {
			return false, err
		}
		if v < f {
			return false, nil
		}
	}
	if e.Before != "" {
		b, err := majorMinor(e.Before)
		if err != nil {
			return false, err
		}
		if v >= b {
			return false, nil
		}
	}
	return true, nil
}

// majorMinor reads "3.5", "3.5.4" or "1.1.1w" as major*100+minor.
func majorMinor(s string) (int, error) {
	parts := strings.SplitN(s, ".", 3)
	if len(parts) < 2 {
		return 0, fmt.Errorf("OpenSSL version %q: want major.minor", s)
	}
	maj, err1 := strconv.Atoi(parts[0])
	min, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil || maj < 0 || min < 0 || min > 99 {
		return 0, fmt.Errorf("OpenSSL version %q: want major.minor", s)
	}
	return maj*100 + min, nil
}
