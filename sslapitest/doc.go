// Package sslapitest runs the behaviours that OpenSSL 3.0's own
// test/sslapitest.c (and, for ECH, 4.0's test/ech_test.c) checks about SSL, SSL_CTX and SSL_SESSION lifecycle,
// sessions and caches, SSL_clear, SSL_dup, shutdown, key update, early data
// and SNI, through the Go API of package libssl, with the same assertions.
// The package has no API of its own: it is its tests (go test ./sslapitest/).
//
// The Go is written anew from what the C tests check, not translated line by
// line. The C helpers of test/helpers/ssltestlib.c are mirrored in
// helpers_test.go: create_ssl_ctx_pair (ctxPair), create_ssl_objects
// (objects), create_bare_ssl_connection (bareConnect), create_ssl_connection
// (connect: the handshake and then two client reads for the TLS 1.3 tickets)
// and shutdown_ssl_connection (shutdownConn). In C the two SSLs share a pair
// of memory BIOs; here each has its own and the helpers move what one side
// wrote into the other side's BIO before the other side's next call, which
// is the same sequence of flights (test_info_callback depends on it). DTLS
// gets one record per read, as C's datagram BIO gives one packet.
//
// The C tests use an RSA certificate; the test certificates here are ECDSA
// P-256 (internal/testcerts), so where a C test names an RSA cipher suite for
// TLS 1.2 its ECDSA counterpart is used (same cipher and digest).
//
// Every test checks with the destruction probe (libssl.LiveObjects) that no
// SSL, SSL_CTX or SSL_SESSION it made outlives it, which is where the C tests
// rely on a leak-checking build.
//
// Where a behaviour differs by version, the test says so by version
// (libssl.RuntimeVersion, libssl.RuntimeVersionText): options that exist only since 3.0
// skip on 1.1.1 with that reason, and test_incorrect_shutdown expects
// SSL_ERROR_SYSCALL on 1.1.1 where 3.0 reports SSL_ERROR_SSL.
//
// # The C tests and what became of them
//
// Status: full = every assertion of every sub-case is checked; partly = what
// could not be is named; no = not expressible, and why. "Lacks X" means the Go
// API has no mirror of the C function X.
//
//	C test (sub-cases)                      Go test                        status
//	test_session_with_only_int_cache (2)    TestSessionWithOnlyIntCache    full
//	test_session_with_only_ext_cache (2)    TestSessionWithOnlyExtCache    full: new/remove/get callbacks counted as in C, the server's
//	                                                                       TLS 1.2 resumption served by the get callback (*copy = 1);
//	                                                                       runs in a child process
//	test_session_with_both_cache (2)        TestSessionWithBothCache       full (with the SSL_SESSION_dup + SSL_CTX_remove_session step
//	                                                                       that forces the lookup); child process
//	test_session_wo_ca_names (2)            TestSessionWithoutCANames      full on 3.0; the option does not exist in 1.1.1 (skipped there)
//	test_stateful_tickets (3)               -                              no: counts tickets with SSL_CTX_sess_set_new_cb; post-handshake auth
//	test_stateless_tickets (3)              -                              no: the same
//	test_psk_tickets                        TestPSKTickets                 full
//	test_extra_tickets (6)                  -                              no: lacks an always-retry BIO (SSL_new_session_ticket and the
//	                                                                       new-session callback exist now)
//	test_ssl_set_bio (89)                   TestSSLSetBIO                  partly: Go's SetBIO always takes its own references, so C's
//	                                                                       ownership-transfer rules are checked as "the SSL holds exactly the
//	                                                                       BIOs set, and the caller's BIO handles still work after SSL_free";
//	                                                                       a BIO leak is not observable (no BIO probe)
//	test_ssl_bio_pop_next_bio, _pop_ssl_bio,
//	  _change_rbio, _change_wbio            -                              no: lacks BIO_f_ssl and BIO chains
//	test_large_message_tls                  TestLargeMessageTLS            full (54 copies of the smaller ECDSA certificate, not 40,
//	                                                                       to reach the size C asserts)
//	test_large_message_tls_read_ahead       TestLargeMessageTLSReadAhead   full (as above)
//	test_large_message_dtls                 TestLargeMessageDTLS           full (as above)
//	test_cleanse_plaintext (3)              TestCleansePlaintext           partly: C also reads libssl's record buffer through internal
//	                                                                       structures to see it zeroed; no public function reaches it.
//	                                                                       3.0 only (the option does not exist in 1.1.1)
//	test_ssl_clear (2)                      TestSSLClear                   full
//	test_ssl_dup                            TestSSLDup                     full
//	test_shutdown (7)                       TestShutdown                   full
//	test_incorrect_shutdown (2)             TestIncorrectShutdown          full on 3.0; on 1.1.1 test 0 expects SSL_ERROR_SYSCALL (what
//	                                                                       1.1.1 reports) and test 1's option does not exist
//	test_ssl_pending (2)                    TestSSLPending                 full (SSL_pending and SSL_has_pending, TLS and DTLS)
//	test_info_callback (6)                  TestInfoCallback               partly: 0-3 full (where bits, role bits, ret, SSL_in_init at
//	                                                                       HANDSHAKE_DONE and SSL_state_string at each SSL_CB_LOOP, with
//	                                                                       the callback on the context as in C; 1.1.1 pads some names and
//	                                                                       calls the TLS 1.3 server's CertificateVerify write "TRSCV",
//	                                                                       stated by version); 4-5 (early data) not written yet
//	test_set_ciphersuite (10)               TestSetCiphersuite             full
//	test_ciphersuite_change                 TestCiphersuiteChange          partly: the last step rewrites a session's cipher through
//	                                                                       libssl's internal structure; no public function can
//	test_ccs_change_cipher                  TestCCSChangeCipher            full (ECDSA suites)
//	test_tls13_ciphersuite (4)              TestTLS13Ciphersuite           full (ECDSA suite for the TLS 1.2 cipher)
//	test_servername (10)                    TestServername                 full
//	test_sni_tls13                          TestSNITLS13                   full (the callback's argument is a Go closure)
//	test_set_alpn                           TestSetALPN                    partly: the Go API takes []string and encodes the wire list
//	                                                                       itself; of C's malformed lists only those with an empty name
//	                                                                       can be expressed (refused by the Go encoder, not by libssl)
//	test_inherit_verify_param               -                              no: lacks X509_VERIFY_PARAM host flags on SSL_CTX/SSL
//	test_session_timeout                    TestSessionTimeout             partly: the sessions come from TLS 1.2 handshakes, not
//	                                                                       SSL_SESSION_new (mirrored now, the port predates it) (times and timeouts then set as in C); C's internal
//	                                                                       list pointers are read as SSL_CTX_sess_number; the 3.0
//	                                                                       SSL_SESS_CACHE_UPDATE_TIME step is not run (mode not named)
//	test_key_update                         TestKeyUpdate                  full
//	test_key_update_peer_in_write (2)       -                              no: lacks an always-retry BIO (only memory BIOs)
//	test_key_update_peer_in_read (2)        -                              no: lacks BIO_new_bio_pair (a bounded BIO)
//	test_key_update_local_in_write (2)      -                              no: lacks an always-retry BIO
//	test_key_update_local_in_read (2)       -                              no: lacks BIO_new_bio_pair
//	test_pha_key_update                     TestPHAKeyUpdate               full
//	test_early_data_not_sent (3)            TestEarlyDataNotSent           full (2: an external PSK through the PSK session callbacks)
//	test_early_data_not_expected (3)        TestEarlyDataNotExpected       full (as above)
//	test_early_data_tls1_2 (3)              TestEarlyDataTLS12             full (as above)
//	test_early_data_replay (2), _skip (3), _skip_hrr (3), _skip_hrr_fail (3), _skip_abort (3),
//	  _psk (8), _psk_with_all_ciphers (5), test_early_data_read_write (3),
//	  test_export_key_mat_early (3)         -                              not written yet: the early-data functions arrived at the end of
//	                                                                       the work (the PSK callbacks and SSL_set1_groups_list exist
//	                                                                       now; key_mat needs SSL_export_keying_material_early)
//	test_client_hello_cb                    TestClientHelloCB              full (the offered ciphers and extensions are the client's, so
//	                                                                       C's expected lists hold with the ECDSA certificate)
//	test_ticket_callbacks (16)              -                              no: lacks SSL_CTX_set_session_ticket_cb and ticket key callbacks
//	test_client_cert_verify_cb              -                              no: lacks SSL_CTX_set_cert_verify_callback, SSL_set_retry_verify
//	test_ca_names (3)                       -                              no: lacks SSL_CTX_set0_CA_list, SSL_CTX_set_client_CA_list,
//	                                                                       SSL_get0_peer_CA_list
//	test_cert_cb (6)                        -                              no: the callback's retry (-1) needs a connect loop that
//	                                                                       retries SSL_ERROR_WANT_X509_LOOKUP, and 3-5 SSL_check_chain
//	test_client_cert_cb (2)                 TestClientCertCB               full
//	test_no_ems                             TestNoEMS                      full on 3.0; on 1.1.1 (no SSL_OP_NO_EXTENDED_MASTER_SECRET)
//	                                                                       it asserts the other branch: both sides negotiate EMS
//	test_ssl_get_shared_ciphers             -                              no: lacks SSL_get_shared_ciphers
//	test_multiblock_write                   -                              no: lacks SSL_CTX_set_max_send_fragment
//	test_max_fragment_len_ext (4)           TestMaxFragmentLenExt          full (the ClientHello's extension is read by a server's
//	                                                                       ClientHello callback, SSL_client_hello_get0_ext, where C parses
//	                                                                       the client's write BIO by hand)
//	test_keylog                             TestKeylog                     full (RSA key exchange with an RSA-2048 certificate made by
//	                                                                       the test; SSL_CTX_get_keylog_callback's result is checked as
//	                                                                       set or not, Go functions having no identity to compare)
//	test_keylog_no_master_key               TestKeylogNoMasterKey          full (as above)
//	test_tlsext_status_type (3 handshakes)  TestTLSExtStatusType           partly: the third handshake (the client sends an OCSP_RESPID
//	                                                                       that the server's callback matches) lacks
//	                                                                       SSL_set_tlsext_status_ids and OCSP_RESPID_match; orespder is a
//	                                                                       response the test CA signs for the server's certificate (3.6
//	                                                                       and later staple nothing else), compared byte for byte as in C
//	test_set_sigalgs (28)                   TestSetSigalgs                 full (RSA server certificate made in the test file)
//	test_sigalgs_available, test_pluggable_group -                         no: not written yet
//	test_key_exchange (14)                  TestKeyExchange                full on 3.x (RSA certificate made in the test file); on 1.1.1
//	                                                                       the FFDHE cases assert SSL_set1_groups refuses them, and
//	                                                                       SSL_group_to_name and SSL_get_negotiated_group are asserted absent
//	test_negotiated_group (40)              TestNegotiatedGroup            full on 3.x; on 1.1.1 SSL_get_negotiated_group is asserted absent
//	                                                                       and the FFDHE cases assert SSL_set1_groups refuses the group; on
//	                                                                       4.0 a TLS 1.2 FFDHE server reports the group it took from the
//	                                                                       client's list (RFC 7919), where 3.x reports none
//	test_set_tmp_dh (11)                    TestSetTmpDH                   partly: 0-6 full (the set0 cases free the caller's handle at
//	                                                                       once); 7-10 use SSL_CTX_set_tmp_dh, SSL_set_tmp_dh and the tmp_dh
//	                                                                       callbacks (deprecated in 3.0), not mirrored. On 4.0 the client
//	                                                                       offers only ECDHE groups, since a 4.0 server takes its DH group
//	                                                                       from the client's FFDHE groups and 0-2 would connect
//	test_dh_auto (7)                        TestDHAuto                     partly: 1, 2, 5, 6 full (on 4.0 with ECDHE-only client groups,
//	                                                                       as above); 0 (a 1024-bit RSA key, refused at Debian's security
//	                                                                       level 2) and 3, 4 (4096- and 8192-bit RSA keys, too slow to
//	                                                                       make per run) not run
//	test_custom_exts, test_serverinfo       -                              no: lacks custom extensions and serverinfo
//	test_export_key_mat (6)                 TestExportKeyMat               full
//	test_stateless                          -                              no: lacks SSL_stateless and the cookie callbacks
//	test_tls13_psk (4)                      TestTLS13PSK                   partly: 0 full (the HelloRetryRequest forced with the context's
//	                                                                       groups for that connection); 1-3 hand libssl the TLS 1.2-style
//	                                                                       PSK callbacks for TLS 1.3, which the binding keeps TLS 1.2-only
//	                                                                       by design (psk.go): not expressed
//	test_srp                                -                              no: lacks SRP
//	test_ssl_build_cert_chain, test_ssl_ctx_build_cert_chain -             no: lacks SSL_build_cert_chain
//	test_ktls, test_ktls_sendfile           -                              no: kernel TLS over sockets, outside this binding
//
// Expressed: 43 C test functions (28 fully, 5 fully on 3.x with a
// version-stated difference on 1.1.1 or 4.0, 10 partly).
//
// # OpenSSL 4.0's test/ech_test.c
//
// Encrypted Client Hello is 4.0's and its C tests are in ech_test.c, not
// sslapitest.c. Ported here (ech_test.go), run on 4.0; below 4.0 each
// asserts that the calls are ErrUnsupported:
//
//	ech_ingest_test (37)                    TestECHIngest                  partly: 20 vectors (PEM key pair, config, 4->2, typo; base64;
//	                                                                       binary with each field corrupted); the ECDSA-mismatch, 6->3
//	                                                                       and extension vectors not ported
//	ech_store_null_calls                    TestECHStoreBadCalls           partly: the calls without NULL arguments (the Go API has none)
//	test_ech_suites (45), test_ech_hrr (45) TestECHSuites                  full, and the server's SSL_ECH_STATUS_SUCCESS, which C does not
//	                                                                       check; the HelloRetryRequest by P-384 on the server's context
//	test_ech_early, ech_custom_test, ech_test_file_read,
//	  ech_api_basic_calls, ech_boring_compat -                             no: not written yet
package sslapitest
