//go:build ignore

// Command gen writes the hostile-mail test set of package inbox to a
// directory, to look at. The mails are made by the tests'
// hostileCases (inbox/hostile_gen_test.go), so the test and this program
// always agree and git holds no large files:
//
//	go run ./inbox/testdata/hostile/gen.go -out /tmp/hostile
package main

import (
	"flag"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

func main() {
	out := flag.String("out", ".", "directory to write the .eml files to")
	flag.Parse()
	dir, err := filepath.Abs(*out)
	if err != nil {
		log.Fatal(err)
	}
	_, self, _, ok := runtime.Caller(0)
	if !ok {
		log.Fatal("cannot find the inbox package")
	}
	cmd := exec.Command("go", "test", "-count=1", "-v", "-run", "^TestWriteHostileMails$", ".")
	cmd.Dir = filepath.Join(filepath.Dir(self), "..", "..")
	cmd.Env = append(os.Environ(), "HOSTILE_OUT="+dir)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		log.Fatal(err)
	}
}
