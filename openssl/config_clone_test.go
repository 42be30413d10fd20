package openssl

import (
	"bytes"
	"io"
	"reflect"
	"testing"
)

// Clone carries every exported field but ClientSessionCache (each set to a
// non-zero value here, so that a field Clone leaves out fails), none of
// the state cfg built, and the clone works and frees on its own: a
// connection made with it after cfg is freed.
func TestConfigClone(t *testing.T) {
	if (*Config)(nil).Clone() != nil {
		t.Fatal("a nil Config cloned to non-nil")
	}
	cfg := serverConfig(VersionTLS13)
	v := reflect.ValueOf(cfg).Elem()
	ty := v.Type()
	for i := range ty.NumField() {
		f := v.Field(i)
		if !ty.Field(i).IsExported() || !f.IsZero() {
			continue
		}
		switch f.Kind() {
		case reflect.Bool:
			f.SetBool(true)
		case reflect.String:
			f.SetString("x")
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			f.SetInt(1)
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			f.SetUint(1)
		case reflect.Slice, reflect.Map, reflect.Pointer, reflect.Func, reflect.Interface, reflect.Chan:
			// A value of the field's own type: a one-element slice, an
			// empty map, a new value, a function that is never called.
			switch f.Kind() {
			case reflect.Slice:
				f.Set(reflect.MakeSlice(f.Type(), 1, 1))
			case reflect.Map:
				f.Set(reflect.MakeMap(f.Type()))
			case reflect.Pointer:
				f.Set(reflect.New(f.Type().Elem()))
			case reflect.Func:
				f.Set(reflect.MakeFunc(f.Type(), func([]reflect.Value) []reflect.Value { panic("not called") }))
			case reflect.Interface:
				switch f.Type() {
				case reflect.TypeOf((*ClientSessionCache)(nil)).Elem():
					f.Set(reflect.ValueOf(NewLRUClientSessionCache(1)))
				case reflect.TypeOf((*io.Writer)(nil)).Elem():
					f.Set(reflect.ValueOf(new(bytes.Buffer)))
				}
			case reflect.Chan:
				f.Set(reflect.MakeChan(f.Type(), 0))
			}
		default:
			t.Fatalf("field %s of kind %s: teach this test a non-zero value", ty.Field(i).Name, f.Kind())
		}
	}
	c := cfg.Clone()
	cv := reflect.ValueOf(c).Elem()
	for i := range ty.NumField() {
		name := ty.Field(i).Name
		switch {
		case name == "ClientSessionCache":
			if !cv.Field(i).IsNil() {
				t.Fatal("Clone carried the ClientSessionCache over")
			}
		case ty.Field(i).IsExported():
			if v.Field(i).IsZero() {
				t.Fatalf("field %s is still zero in the original: the test did not set it", name)
			}
			a, b := v.Field(i), cv.Field(i)
			same := a.Kind() == reflect.Func && a.Pointer() == b.Pointer() ||
				a.Kind() != reflect.Func && reflect.DeepEqual(a.Interface(), b.Interface())
			if !same {
				t.Fatalf("field %s: clone has %v, want %v", name, b, a)
			}
		}
	}

	// What a Config builds stays its own.
	scfg := serverConfig(VersionTLS13)
	ccfg := clientConfig(VersionTLS13)
	defer ccfg.Free()
	cl, sv := connPair(t, true, scfg, ccfg)
	handshakeBoth(t, cl, sv)
	clone := scfg.Clone()
	defer clone.Free()
	if clone.serverCtx != nil || clone.clientCtx != nil {
		t.Fatal("the clone carries the original's SSL_CTX")
	}
	scfg.Free()
	cl2, sv2 := connPair(t, true, clone, ccfg)
	handshakeBoth(t, cl2, sv2)
	if clone.serverCtx == nil || clone.serverCtx == scfg.serverCtx {
		t.Fatal("the clone did not build its own server SSL_CTX")
	}
}
