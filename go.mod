module github.com/libssl-go/libssl

go 1.24.0

require (
	github.com/google/go-cmp v0.7.0
	github.com/spacemonkeygo/openssl v0.0.0-20181017203307-c2dcc5cca94a
	golang.org/x/crypto v0.48.0
	golang.org/x/net v0.50.0
	golang.org/x/sys v0.41.0
)

require (
	github.com/spacemonkeygo/spacelog v0.0.0-20180420211403-2296661a0572 // indirect
	golang.org/x/text v0.34.0 // indirect
)
