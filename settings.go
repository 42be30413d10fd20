package libssl

/*
#include <stdlib.h>
#include "shim.h"
*/
import "C"
import (
	"crypto/sha256"
	"encoding/hex"
)

// Settings is a snapshot of an SSL's inheritable settings, as plain values.
// Ciphers and CANames are slices, so two snapshots do not compare with ==:
// compare them with reflect.DeepEqual or go-cmp's cmp.Equal (whose cmp.Diff
// names the fields that differ, as the package's tests use it). Each field
// names the getter it reads.
type Settings struct {
	Method           Method           // SSL_get_ssl_method
	IsServer         bool             // SSL_is_server
	Options          Options          // SSL_get_options
	Mode             Mode             // SSL_get_mode
	VerifyMode       VerifyMode       // SSL_get_verify_mode
	VerifyDepth      int              // SSL_get_verify_depth
	VerifyCallback   bool             // SSL_get_verify_callback != NULL
	VerifyParamFlags VerifyParamFlags // X509_VERIFY_PARAM_get_flags(SSL_get0_param)
	InfoCallback     bool             // SSL_get_info_callback != NULL
	MinProtoVersion  ProtocolVersion  // SSL_get_min_proto_version
	MaxProtoVersion  ProtocolVersion  // SSL_get_max_proto_version
	ReadAhead        bool             // SSL_get_read_ahead
	MaxCertList      int              // SSL_get_max_cert_list
	SecurityLevel    int              // SSL_get_security_level
	Ciphers          []string         // SSL_get_ciphers
	CANames          []string         // SSL_get0_CA_list
	ServerName       string           // SSL_get_servername
	QuietShutdown    bool             // SSL_get_quiet_shutdown
	Shutdown         ShutdownState    // SSL_get_shutdown
	NumTickets       int              // SSL_get_num_tickets
	HasRBIO          bool             // SSL_get_rbio != NULL
	HasWBIO          bool             // SSL_get_wbio != NULL
	Certificate      string           // SHA-256 of SSL_get_certificate's DER, "" if none
	HasPrivateKey    bool             // SSL_get_privatekey != NULL
}

// Settings reads the snapshot; the zero Settings on a freed handle.
func (s *SSL) Settings() Settings {
	if s.ptr() == nil {
		return Settings{}
	}
	st := Settings{
		Method:           s.Method(),
		IsServer:         s.IsServer(),
		Options:          s.Options(),
		Mode:             s.Mode(),
		VerifyMode:       s.VerifyMode(),
		VerifyDepth:      s.VerifyDepth(),
		VerifyCallback:   s.HasVerifyCallback(),
		VerifyParamFlags: s.VerifyParamFlags(),
		InfoCallback:     s.HasInfoCallback(),
		MinProtoVersion:  s.MinProtoVersion(),
		MaxProtoVersion:  s.MaxProtoVersion(),
		ReadAhead:        s.ReadAhead(),
		MaxCertList:      s.MaxCertList(),
		SecurityLevel:    s.SecurityLevel(),
		Ciphers:          s.Ciphers(),
		CANames:          s.CANames(),
		ServerName:       s.ServerName(),
		QuietShutdown:    s.QuietShutdown(),
		Shutdown:         s.ShutdownState(),
		NumTickets:       s.NumTickets(),
		HasRBIO:          s.hasRBIO(),
		HasWBIO:          s.hasWBIO(),
	}
	if x := s.Certificate(); x != nil {
		if der, err := x.DER(); err == nil {
			sum := sha256.Sum256(der)
			st.Certificate = hex.EncodeToString(sum[:])
		}
		x.Free()
	}
	if k := s.PrivateKey(); k != nil {
		st.HasPrivateKey = true
		k.Free()
	}
	return st
}
