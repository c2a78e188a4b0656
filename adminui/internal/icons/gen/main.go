// Command gen writes the portal's icons (package icons) into the folder
// named by its argument: `go generate ./adminui` runs it for adminui/static.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"ticketgate/adminui/internal/icons"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gen DIR")
		os.Exit(2)
	}
	for _, ic := range icons.Set {
		b, err := icons.PNG(ic)
		if err == nil {
			err = os.WriteFile(filepath.Join(os.Args[1], ic.Name), b, 0o644)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
