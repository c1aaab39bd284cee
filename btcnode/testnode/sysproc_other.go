//go:build !linux

package testnode

import "syscall"

// sysProcAttr has no parent-death signal outside Linux; t.Cleanup still kills btcd.
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{} }
