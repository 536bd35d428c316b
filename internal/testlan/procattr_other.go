//go:build !linux

package testlan

import "syscall"

func childAttr() *syscall.SysProcAttr { return nil }
