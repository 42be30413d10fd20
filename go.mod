module github.com/libssl-go/libssl

go 1.24
