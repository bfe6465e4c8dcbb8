module lbws/01-echo

go 1.26.0

require lbws/shared v0.0.0

require golang.org/x/sys v0.50.0 // indirect

replace lbws/shared => ../shared
