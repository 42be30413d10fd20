package ssltests

import (
	"bytes"
	"fmt"

	libssl "github.com/libssl-go/libssl"
)

// check compares a handshake's result with the case's expectations, as
// OpenSSL's ssl_test does, and returns each mismatch.
func check(r *handshakeResult, tc *TestCase) []string {
	var bad []string
	fail := func(format string, a ...any) { bad = append(bad, fmt.Sprintf(format, a...)) }
	if r.result != tc.ExpectedResult {
		msg := fmt.Sprintf("result %s, want %s", r.result, tc.ExpectedResult)
		if r.detail != "" {
			msg += " (" + r.detail + ")"
		}
		fail("%s", msg)
	}
	// Alerts: a sent alert the peer did not see is tolerated (a peer does
	// not always get far enough to read it); an expected one must match.
	if tc.ExpectedClientAlert != 0 && r.clientAlertSent&0xff != tc.ExpectedClientAlert {
		fail("client alert %d, want %d", r.clientAlertSent&0xff, tc.ExpectedClientAlert)
	}
	if tc.ExpectedServerAlert != 0 && r.serverAlertSent&0xff != tc.ExpectedServerAlert {
		fail("server alert %d, want %d", r.serverAlertSent&0xff, tc.ExpectedServerAlert)
	}
	if r.clientFatal > 1 || r.serverFatal > 1 {
		fail("fatal alerts sent: client %d, server %d (at most 1 each)", r.clientFatal, r.serverFatal)
	}
	if r.result != ResultSuccess {
		return bad
	}
	if r.clientProtocol != r.serverProtocol {
		fail("client protocol %#x, server %#x", r.clientProtocol, r.serverProtocol)
	} else if tc.ExpectedProtocol != 0 && r.clientProtocol != tc.ExpectedProtocol {
		fail("protocol %#x, want %#x", r.clientProtocol, tc.ExpectedProtocol)
	}
	if r.servername != tc.ExpectedServerName {
		fail("server name context %s, want %s", r.servername, tc.ExpectedServerName)
	}
	if tc.SessionTicketExpected != "Ignore" && r.sessionTicket != tc.SessionTicketExpected {
		fail("session ticket %s, want %s", r.sessionTicket, tc.SessionTicketExpected)
	}
	if r.compression != tc.CompressionExpected {
		fail("compression %v, want %v", r.compression, tc.CompressionExpected)
	}
	if tc.SessionIDExpected != "Ignore" && r.sessionID != tc.SessionIDExpected {
		fail("session id %s, want %s", r.sessionID, tc.SessionIDExpected)
	}
	if r.ticketCBCalled {
		fail("server2's ticket key callback ran")
	}
	checkStr := func(what string, want *string, client, server string) {
		if client != server {
			fail("%s: client %q, server %q", what, client, server)
		}
		w := ""
		if want != nil {
			w = *want
		}
		if client != w {
			fail("%s %q, want %q", what, client, w)
		}
	}
	checkStr("NPN", tc.ExpectedNPNProtocol, r.clientNPN, r.serverNPN)
	if tc.ExpectedCipher != nil && r.cipher != *tc.ExpectedCipher {
		fail("cipher %q, want %q", r.cipher, *tc.ExpectedCipher)
	}
	checkStr("ALPN", tc.ExpectedALPNProtocol, r.clientALPN, r.serverALPN)
	wantData := ""
	if tc.ExpectedSessionTicketData != nil {
		wantData = *tc.ExpectedSessionTicketData
	}
	if r.ticketAppData != wantData {
		fail("session ticket app data %q, want %q", r.ticketAppData, wantData)
	}
	if r.clientResumed != r.serverResumed {
		fail("resumed: client %v, server %v", r.clientResumed, r.serverResumed)
	} else if r.clientResumed != tc.ResumptionExpected {
		fail("resumed %v, want %v", r.clientResumed, tc.ResumptionExpected)
	}
	checkNID := func(what, want string, got int, key bool) {
		if want == "" {
			return
		}
		w := expectedNID(want, key)
		if w == 0 {
			fail("%s: unknown name %q", what, want)
			return
		}
		if w != got {
			fail("%s %s, want %s", what, nidName(got), want)
		}
	}
	checkNID("tmp key", tc.ExpectedTmpKeyType, r.tmpKeyType, true)
	checkNID("server certificate type", tc.ExpectedServerCertType, r.serverCertType, true)
	checkNID("server signing hash", tc.ExpectedServerSignHash, r.serverSignHash, false)
	checkNID("server signature type", tc.ExpectedServerSignType, r.serverSignType, true)
	checkNID("client certificate type", tc.ExpectedClientCertType, r.clientCertType, true)
	checkNID("client signing hash", tc.ExpectedClientSignHash, r.clientSignHash, false)
	checkNID("client signature type", tc.ExpectedClientSignType, r.clientSignType, true)
	checkNames := func(what, file string, got [][]byte) {
		if file == "" {
			return
		}
		want, err := loadCANames(file)
		if err != nil {
			fail("%s: %v", what, err)
			return
		}
		if len(got) != len(want) {
			fail("%s: %d names, want %d", what, len(got), len(want))
			return
		}
		for i := range got {
			if !bytes.Equal(got[i], want[i]) {
				fail("%s: name %d differs", what, i)
			}
		}
	}
	checkNames("server CA names", tc.ExpectedServerCANames, r.serverCANames)
	checkNames("client CA names", tc.ExpectedClientCANames, r.clientCANames)
	return bad
}

// expectedNID turns an expectation's name into a NID as the harness of the
// linked version does: key and signature types by harness.keyTypeNID,
// digests by short names, long names and NIST curve names.
func expectedNID(name string, key bool) int {
	if key {
		return current.keyTypeNID(name)
	}
	return libssl.ObjectNID(name)
}

// pkeyNames are the EVP_PKEY algorithm names (EVP_PKEY_asn1_find_str) the
// files use whose NID differs from the object of the same short name: the
// harness before 4.0 reads them first.
// (EVP_PKEY_asn1_find_str compares without case; the keys are upper case).
var pkeyNames = map[string]int{
	"RSA":     6,    // NID_rsaEncryption (the object "RSA" is NID_rsa, 19)
	"RSA-PSS": 912,  // NID_rsassaPss
	"EC":      408,  // NID_X9_62_id_ecPublicKey
	"DSA":     116,  // NID_dsa
	"DH":      28,   // NID_dhKeyAgreement
	"ED25519": 1087, // NID_ED25519
	"ED448":   1088, // NID_ED448
	"X25519":  1034, // NID_X25519
	"X448":    1035, // NID_X448
}

func nidName(nid int) string {
	if nid == 0 {
		return "absent"
	}
	if s := libssl.ObjectShortName(nid); s != "" {
		return s
	}
	return fmt.Sprint(nid)
}
