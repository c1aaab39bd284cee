package testnode

import "syscall"

// sysProcAttr asks the kernel to SIGKILL btcd if the test process dies without
// running its cleanups (a panic, a -timeout kill). Pdeathsig follows the thread that
// started btcd; Go only ends threads whose goroutine exits while locked to them.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
