package domain

// Interim automatic-mail detection until the parser branch lands with the
// full rules (auto.go); same API.

// AutoKind says what kind of automatic mail a mail is.
type AutoKind string

// AutoNone is a mail written by a person.
const AutoNone AutoKind = ""

// Automatic returns the kind of automatic mail in is, and why.
func (in *Inbound) Automatic() (AutoKind, string) {
	a := in.Auto
	switch {
	case a.AutoSubmitted != "" && a.AutoSubmitted != "no":
		return "auto_reply", "Auto-Submitted: " + a.AutoSubmitted
	case a.XAutoreply:
		return "auto_reply", "X-Autoreply"
	case a.ReportType != "":
		return "bounce", "report: " + a.ReportType
	case a.Precedence == "bulk" || a.Precedence == "junk" || a.Precedence == "list":
		return "list", "Precedence: " + a.Precedence
	case a.ListID != "":
		return "list", "List-Id: " + a.ListID
	case in.ReturnPath == "<>":
		return "bounce", "null return path"
	}
	return AutoNone, ""
}
