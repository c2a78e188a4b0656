package domain

import (
	"path"
	"strings"
)

// The files a comment may not carry out. Mail in stores every type (a
// download is served so that no browser runs it), but the big mail
// providers refuse a mail with a program attached: Gmail and Exchange
// Online bounce or quarantine it whatever the rest says, so the comment's
// mail would die in the outbox, or the requester would never see it. The
// portal refuses such a file at once, with a message, instead. The lists
// are the union of Gmail's blocked file types and Exchange Online's common
// attachment filter, by name (providers judge by the name) and by the
// media types browsers give programs.

// refusedExtensions are names, lower case, without the dot.
var refusedExtensions = map[string]bool{
	"ade": true, "adp": true, "apk": true, "app": true, "appx": true, "appxbundle": true, "bat": true,
	"cab": true, "chm": true, "cmd": true, "com": true, "cpl": true, "diagcab": true, "diagcfg": true,
	"diagpkg": true, "dll": true, "dmg": true, "ex_": true, "exe": true, "hta": true, "img": true,
	"ins": true, "iso": true, "isp": true, "jar": true, "jnlp": true, "js": true, "jse": true, "lib": true,
	"lnk": true, "mde": true, "mjs": true, "msc": true, "msi": true, "msix": true, "msixbundle": true,
	"msp": true, "mst": true, "nsh": true, "pif": true, "ps1": true, "reg": true, "scf": true, "scr": true,
	"sct": true, "shb": true, "sys": true, "vb": true, "vbe": true, "vbs": true, "vhd": true, "vxd": true,
	"wsc": true, "wsf": true, "wsh": true, "xll": true,
}

// refusedTypes are media types of programs.
var refusedTypes = map[string]bool{
	"application/x-msdownload": true, "application/x-msdos-program": true, "application/x-dosexec": true,
	"application/vnd.microsoft.portable-executable": true, "application/x-ms-installer": true,
	"application/x-msi": true, "application/java-archive": true, "application/x-java-archive": true,
	"application/hta": true, "application/x-ms-shortcut": true, "application/x-bat": true,
	"application/javascript": true, "text/javascript": true, "application/x-javascript": true,
	"application/vnd.ms-cab-compressed": true, "application/x-apple-diskimage": true,
	"application/x-iso9660-image": true,
}

// refusedFile says why a file named name of media type mediaType may not
// go out by mail, or "" when it may. name and mediaType are cleaned
// already (cleanFileName, cleanContentType).
func refusedFile(name, mediaType string) string {
	// Windows ignores trailing dots and spaces: "setup.exe." runs.
	ext := strings.ToLower(strings.TrimPrefix(path.Ext(strings.TrimRight(name, ". ")), "."))
	if refusedExtensions[ext] {
		return "“" + name + "” is a program or script (." + ext + "), which mail providers refuse to deliver: put it in a ZIP file or share it another way"
	}
	if refusedTypes[strings.ToLower(mediaType)] {
		return "“" + name + "” is a program (" + mediaType + "), which mail providers refuse to deliver: put it in a ZIP file or share it another way"
	}
	return ""
}
