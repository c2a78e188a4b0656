//go:build ignore

// Command gen writes the hostile-mail set (package ticketgate/inbox/hostile,
// the mails the parser's tests and tgbench's soak use) to a directory, to
// look at; git holds no large files:
//
//	go run ./inbox/testdata/hostile/gen.go -out /tmp/hostile
package main

import (
	"flag"
	"fmt"
	"log"

	"ticketgate/inbox/hostile"
)

func main() {
	out := flag.String("out", ".", "directory to write the .eml files to")
	flag.Parse()
	paths, err := hostile.Write(*out)
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range paths {
		fmt.Println(p)
	}
}
