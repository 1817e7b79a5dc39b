package main

import "errors"

func runBench(args []string, out *emitter) error { return errors.New("not yet") }
