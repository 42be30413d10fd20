package ssltests

import (
	"strings"

	libssl "github.com/libssl-go/libssl"
)

// harness is the behaviour of OpenSSL's test harness (test/ssl_test.c,
// test/helpers/handshake.c and ssl_test_ctx.c) that differs between the
// versions whose test/ssl-tests the driver runs. The harness comes from
// the same source release as the files, of the major.minor of the linked
// libssl (ci/ssl-tests-src.sh), so the linked version chooses it.
type harness struct {
	// dhAuto: the servers' contexts get SSL_CTX_set_dh_auto(ctx, 1) after
	// their SSL section (3.5's ssl_test.c on; 3.0's does not).
	dhAuto bool
	// tlsNamesFirst: ExpectedTmpKeyType and the other key types read the
	// names of 4.0's parse_expected_key_type: a fixed table compared with
	// case ("RSA", "RSA-PSS", "Ed448", "Ed25519", "EC" and the groups
	// without a NID), then long names, short names and NIST curve names.
	// Before 4.0 EVP_PKEY_asn1_find_str's algorithm names come first
	// (without case), then short, long and NIST names.
	tlsNamesFirst bool
	// brainpoolTLS13: the TLS 1.3 brainpool group names
	// (brainpoolP256r1tls13 ...) stand for their curve's NID, which is what
	// the peer's key reports (3.5 on; 3.0's object table lacks them).
	brainpoolTLS13 bool
	// groupFallback: the tmp key type is SSL_get_negotiated_group's answer
	// when the peer's temporary key has no type of its own
	// (EVP_PKEY_KEYMGMT: the ML-KEM hybrids) or there is none (4.0 on).
	groupFallback bool
	// ocspDER: the certificate status callbacks exchange a DER
	// OCSPResponse (OCSP_response_create: successful for GoodResponse,
	// internalError for BadResponse) and the client accepts a successful
	// one (3.6 on, whose libssl parses what SSL_set_tlsext_status_ocsp_resp
	// is given and sends nothing that is not an OCSPResponse); before 3.6
	// the response is one byte, 0xff good and 0xfe bad.
	ocspDER bool
}

// harnessFor gives the harness behaviour of OpenSSL version v
// (OPENSSL_VERSION_NUMBER).
func harnessFor(v uint64) harness {
	major, minor := v>>28, (v>>20)&0xff
	atLeast := func(ma, mi uint64) bool { return major > ma || major == ma && minor >= mi }
	return harness{
		dhAuto:         atLeast(3, 5),
		tlsNamesFirst:  atLeast(4, 0),
		brainpoolTLS13: atLeast(3, 5),
		groupFallback:  atLeast(4, 0),
		ocspDER:        atLeast(3, 6),
	}
}

// current is the harness of the linked libssl.
var current = harnessFor(libssl.RuntimeVersion())

// tlsGroupNames are 4.0's parse_expected_key_type names of groups that
// have no NID: TLSEXT_nid_unknown | the TLS group id, which is what
// SSL_get_negotiated_group returns for them.
var tlsGroupNames = map[string]int{
	"curveSM2":           0x1000000 | 0x0029,
	"SecP256r1MLKEM768":  0x1000000 | 0x11EB,
	"X25519MLKEM768":     0x1000000 | 0x11EC,
	"SecP384r1MLKEM1024": 0x1000000 | 0x11ED,
	"curveSM2MLKEM768":   0x1000000 | 0x11EE,
}

// tlsKeyNames are 4.0's parse_expected_key_type names of key types,
// compared with case.
var tlsKeyNames = map[string]int{
	"RSA":     6,    // OBJ_ln2nid("rsaEncryption")
	"RSA-PSS": 912,  // OBJ_ln2nid("rsassaPss")
	"Ed448":   1088, // OBJ_sn2nid("ED448")
	"Ed25519": 1087, // OBJ_sn2nid("ED25519")
	"EC":      408,  // OBJ_sn2nid("id-ecPublicKey")
}

// keyTypeNID turns an expected key or group type into a NID as the
// harness h does (0: the harness rejects the name).
func (h harness) keyTypeNID(name string) int {
	var nid int
	if h.tlsNamesFirst {
		if n, ok := tlsKeyNames[name]; ok {
			nid = n
		} else if n, ok := tlsGroupNames[name]; ok {
			nid = n
		} else {
			nid = libssl.ObjectNID(name)
		}
	} else if n, ok := pkeyNames[strings.ToUpper(name)]; ok {
		nid = n
	} else {
		nid = libssl.ObjectNID(name)
	}
	if h.brainpoolTLS13 && nid != 0 {
		for _, c := range []string{"brainpoolP256r1", "brainpoolP384r1", "brainpoolP512r1"} {
			if nid == libssl.ObjectNID(c+"tls13") {
				return libssl.ObjectNID(c)
			}
		}
	}
	return nid
}

// tmpKeyType is the type of the client's view of the server's temporary
// key as the harness h records it: the key's type (the curve's NID for an
// EC key), or with groupFallback the negotiated group when the key has
// none or there is no key; 0 for none.
func (h harness) tmpKeyType(client *libssl.SSL) int {
	if nid, ok := client.PeerTmpKeyType(); ok {
		return nid
	}
	if h.groupFallback {
		if id, ok := client.NegotiatedGroupID(); ok {
			return id
		}
	}
	return 0
}

// ocspResponse is the certificate status response the harness's server
// sends: good or bad (see ocspDER).
func (h harness) ocspResponse(good bool) ([]byte, error) {
	if !h.ocspDER {
		if good {
			return []byte{ocspGood}, nil
		}
		return []byte{ocspBad}, nil
	}
	status := libssl.OCSPResponseSuccessful
	if !good {
		status = libssl.OCSPResponseInternalError
	}
	return libssl.NewOCSPResponseDER(status)
}

// ocspAccepts is the harness's client verdict on the response r.
func (h harness) ocspAccepts(r []byte) bool {
	if !h.ocspDER {
		return len(r) == 1 && r[0] == ocspGood
	}
	st, err := libssl.OCSPResponseStatus(r)
	return err == nil && st == libssl.OCSPResponseSuccessful
}
