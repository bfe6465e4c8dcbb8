module lbws/07-io-uring

go 1.26.0

require (
	golang.org/x/sys v0.50.0
	lbws/shared v0.0.0
)

replace lbws/shared => ../shared
