//go:build !linux

package testnode

import (
	"syscall"
	"time"
)

// sysProcAttr has no parent-death signal outside Linux; t.Cleanup still kills btcd.
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{} }

// waitStopped cannot observe thread states outside Linux: give SIGSTOP a moment.
func waitStopped(pid int) error {
	time.Sleep(50 * time.Millisecond)
	return nil
}
