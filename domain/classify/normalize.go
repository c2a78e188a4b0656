package classify

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The normalization of a mail before features are computed, so that mail
// as employees write it looks like the training history (the dataset's
// texts are lower case, without digits, punctuation, stop words,
// greetings or signatures; a helpdesk's own tickets are raw mail). It is
// the same for training texts and for the mails classified.
//
// Every step reads a bounded prefix of the text once: a subject of at most
// maxSubjectText bytes, a body of at most maxMailText bytes, lines looked
// at through windows of a few lines.

// maxMailText is how much of a mail's body is read: a request says what it
// is about at its start, and a hostile megabyte must not cost the
// classifier or its training more.
const maxMailText = 8 << 10

// maxSubjectText is how much of a subject is read.
const maxSubjectText = 512

// MailText is the text the model reads for a mail: the subject on the
// first line (its line breaks made spaces), then the body, both cut to
// what the normalization reads. Training on tickets and classifying mail
// both go through it, so both sides are normalized alike.
func MailText(subject, body string) string {
	subject = strings.Join(strings.Fields(cutText(subject, maxSubjectText)), " ")
	return subject + "\n" + cutText(body, maxMailText)
}

// cutText returns the first n bytes of s, cut at a rune boundary.
func cutText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// splitMail splits a text the model reads into the subject and the body:
// with a line break, the first line is the subject (an optional
// "Subject:" in front dropped); without one (the dataset's one-line
// tickets) it is all body and has no subject.
func splitMail(text string) (subject, body string, hasSubject bool) {
	first, rest, ok := strings.Cut(text, "\n")
	if !ok {
		return "", cutText(text, maxMailText+maxSubjectText), false
	}
	first = strings.TrimSpace(strings.TrimSuffix(first, "\r"))
	if len(first) >= 8 && strings.EqualFold(first[:8], "subject:") {
		first = strings.TrimSpace(first[8:])
	}
	return cutText(first, maxSubjectText), cutText(rest, maxMailText), true
}

// CleanSubject removes what a subject carries besides its topic: reply and
// forward prefixes in several languages (RE:, FW:, Fwd:, AW:, WG:, TR:,
// RV:, SV:, VS:) and ticket tags such as [#TG-123] or [TKT-42].
func CleanSubject(s string) string {
	s = stripTags(cutText(s, maxSubjectText))
	for {
		t := strings.TrimLeft(s, " \t*-:")
		p := replyPrefix(t)
		if p == 0 {
			return strings.TrimSpace(t)
		}
		s = t[p:]
	}
}

// replyPrefix returns the length of a reply or forward prefix at the start
// of s ("Re:", "FWD:", "Aw :", "RE[2]:"), 0 when there is none.
func replyPrefix(s string) int {
	i := 0
	for i < len(s) && i < 4 && (s[i]|0x20 >= 'a' && s[i]|0x20 <= 'z') {
		i++
	}
	if !subjectPrefixes[strings.ToLower(s[:i])] {
		return 0
	}
	j := i
	if j < len(s) && s[j] == '[' { // "RE[2]:"
		k := strings.IndexByte(s[j:min(len(s), j+6)], ']')
		if k < 0 {
			return 0
		}
		j += k + 1
	}
	for j < len(s) && s[j] == ' ' {
		j++
	}
	if j < len(s) && (s[j] == ':' || strings.HasPrefix(s[j:], "：")) {
		_, n := utf8.DecodeRuneInString(s[j:])
		return j + n
	}
	return 0
}

var subjectPrefixes = map[string]bool{"re": true, "fw": true, "fwd": true, "aw": true, "wg": true, "tr": true,
	"rv": true, "sv": true, "vs": true, "antw": true, "ref": true, "rif": true, "enc": true, "res": true}

// forwardSubject reports a subject of forwarded mail ("FW: …", "Fwd: …",
// "WG: …", "TR: …", "RV: …").
func forwardSubject(s string) bool {
	t := strings.ToLower(strings.TrimSpace(s))
	for _, p := range []string{"fw", "fwd", "wg", "tr", "rv", "enc"} {
		if strings.HasPrefix(t, p) && replyPrefix(t) > 0 && replyPrefix(t) <= len(p)+2 {
			return true
		}
	}
	return false
}

// stripTags removes ticket tags: a bracketed group of at most 24 bytes
// holding a digit ("[#TG-123]", "[TKT-42]", "[Ticket#2024010112]").
func stripTags(s string) string {
	if !strings.Contains(s, "[") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '[')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.IndexByte(s[i:min(len(s), i+24)], ']')
		if j < 0 || strings.IndexFunc(s[i:i+j], unicode.IsDigit) < 0 {
			b.WriteString(s[:i+1])
			s = s[i+1:]
			continue
		}
		b.WriteString(s[:i])
		b.WriteByte(' ')
		s = s[i+j+1:]
	}
}

// CleanMail removes what a mail's body carries besides its request, line
// by line: quoted replies ("> …", "On … wrote:" in several languages,
// Outlook's "From: … Sent: …" block, "-----Original Message-----"), the
// signature after "-- " or after a sign-off such as "Best regards," near
// the end, the greeting on the first line ("Hi team,", "Hallo zusammen,"),
// legal disclaimers and "external sender" banners, mobile footers ("Sent
// from my iPhone", "Get Outlook for iOS") and ticket tags. Text without
// line breaks (like the dataset's preprocessed tickets) keeps its words.
// Only the first maxMailText bytes are read.
func CleanMail(body string) string {
	return cleanBody(body, false)
}

// cleanBody is CleanMail; with forward set (the subject says FW:), the
// mail forwarded is the request: its header block is dropped, its text
// kept.
func cleanBody(body string, forward bool) string {
	body = cutText(body, maxMailText)
	if !strings.Contains(body, "\n") {
		return stripTags(body)
	}
	lines := strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n")
	var out, seg []string
	// flush ends a segment (the text of one author): its greeting and
	// signature go.
	flush := func() {
		out = append(out, trimSegment(seg)...)
		seg = seg[:0]
	}
	skipping := false // in a disclaimer, up to the next forwarded mail
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		t := strings.TrimSpace(l)
		if t == "" {
			if !skipping {
				seg = append(seg, "")
			}
			continue
		}
		if n, fwd := quoteBoundary(lines, i); n > 0 {
			if !(forward || fwd) {
				break
			}
			// A forwarded mail: its header block goes, its text stays.
			flush()
			skipping = false
			i += n - 1
			for i+1 < len(lines) && mailHeaderLine(strings.TrimSpace(lines[i+1])) {
				i++
			}
			continue
		}
		switch {
		case skipping:
			continue
		case l == "-- " || t == "--" || t == "__" || mobileFooterLine(t):
			// A signature or footer ends the author's text; a forwarded
			// mail may follow.
			skipping = true
			continue
		case t[0] == '>' || mailHeaderLine(t) || bannerLine(t):
			continue
		case disclaimerLine(t):
			skipping = true
			continue
		}
		seg = append(seg, stripTags(l))
	}
	flush()
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// trimSegment drops a segment's greeting line (or the greeting in front of
// its first line) and its signature: from a sign-off in its last eight
// non-blank lines to the end.
func trimSegment(seg []string) []string {
	first := -1
	for i, l := range seg {
		if strings.TrimSpace(l) != "" {
			first = i
			break
		}
	}
	if first < 0 {
		return nil
	}
	if rest, ok := greeting(seg[first]); ok {
		seg[first] = rest
	}
	for i, seen := len(seg)-1, 0; i >= 0 && seen < 8; i-- {
		if strings.TrimSpace(seg[i]) == "" {
			continue
		}
		seen++
		if closing(seg[i]) {
			seg = seg[:i]
			break
		}
	}
	return seg
}

// quoteBoundary reports whether quoted or forwarded matter starts at line
// i: an attribution ("On … wrote:"), a banner ("-----Original
// Message-----", "---------- Forwarded message ---------"), a rule above a
// header block, or Outlook's header block ("From: …" with "Sent:" or
// "Date:" below). n is how many lines the boundary itself takes (the
// header lines after it are skipped by the caller); fwd is true for a
// forwarded-message banner.
func quoteBoundary(lines []string, i int) (n int, fwd bool) {
	t := strings.TrimSpace(lines[i])
	if len(t) > 300 {
		return 0, false
	}
	if c := t[0]; c == '-' || c == '_' || c == '=' || c == '*' {
		core := strings.ToLower(strings.Trim(t, "-_=* :\t"))
		if forwardBanners[core] {
			return 1, true
		}
		if replyBanners[core] {
			return 1, false
		}
		if core == "" && len(t) >= 4 && i+1 < len(lines) && outlookQuote(lines[i+1:]) {
			return 1, false
		}
	}
	if outlookQuote(lines[i:]) {
		return 1, false
	}
	if wroteLine(t) {
		return 1, false
	}
	// An attribution wrapped over two lines ("Am … schrieb Helpdesk <" /
	// "help@example.com>:").
	if i+1 < len(lines) && strings.ContainsAny(t, "0123456789") && !strings.HasSuffix(t, ".") {
		next := strings.TrimSpace(lines[i+1])
		if next != "" && len(next) < 120 && next[0] != '>' && wroteLine(t+" "+next) {
			return 2, false
		}
	}
	return 0, false
}

var forwardBanners = map[string]bool{"forwarded message": true, "weitergeleitete nachricht": true,
	"message transféré": true, "message transfere": true, "mensaje reenviado": true, "messaggio inoltrato": true,
	"begin forwarded message": true, "forwarded by": true}

var replyBanners = map[string]bool{"original message": true, "ursprüngliche nachricht": true,
	"message d'origine": true, "mensaje original": true, "messaggio originale": true, "original nachricht": true}

// wroteLine reports an attribution line: "On Mon, 2 Mar 2026, Bob <b@x>
// wrote:", "Am 15. März 2026 schrieb Helpdesk <…>:", "Le … a écrit :",
// "El … escribió:". It must name a date or an address (a digit or "@").
func wroteLine(t string) bool {
	if len(t) < 8 || len(t) > 400 || !strings.ContainsAny(t, "0123456789@") {
		return false
	}
	core := strings.TrimRight(t, " :：")
	if len(core) == len(t) && !strings.HasPrefix(t, "On ") {
		return false // no colon: only the English "On … wrote" form
	}
	if strings.HasSuffix(core, ">") { // "… schrieb Helpdesk <help@example.com>:"
		if i := strings.LastIndexByte(core, '<'); i > 0 {
			core = strings.TrimSpace(core[:i])
			if j := strings.LastIndexByte(core, ' '); j > 0 {
				core = core[:j] // the name before the address
			}
		}
	}
	l := strings.ToLower(core)
	for _, v := range []string{"wrote", "writes", "a écrit", "a ecrit", "schrieb", "escribió", "escribio",
		"ha scritto", "schreef", "escreveu", "skrev"} {
		if strings.HasSuffix(l, v) {
			return true
		}
	}
	return false
}

// outlookQuote reports the header block Outlook puts above the mail it
// quotes: "From: …" (or Von:, De :, Da:) with "Sent:" or "Date:" (or their
// translations) among the next three lines.
func outlookQuote(lines []string) bool {
	t := strings.TrimSpace(strings.Trim(strings.TrimSpace(lines[0]), "*"))
	if !hasHeaderKey(t, fromKeys) {
		return false
	}
	for _, l := range lines[1:min(4, len(lines))] {
		if hasHeaderKey(strings.Trim(strings.TrimSpace(l), "*"), sentKeys) {
			return true
		}
	}
	return false
}

var (
	fromKeys = []string{"from", "von", "de", "da", "van"}
	sentKeys = []string{"sent", "date", "gesendet", "datum", "envoyé", "date d'envoi", "enviado", "fecha", "inviato", "data"}
	// headerKeys are the keys of a quoted or forwarded header block.
	headerKeys = []string{"from", "sent", "to", "cc", "bcc", "subject", "date", "reply-to", "von", "gesendet",
		"an", "betreff", "datum", "de", "envoyé", "à", "objet", "date d'envoi", "para", "asunto", "enviado",
		"fecha", "da", "inviato", "oggetto", "importance", "wichtigkeit"}
)

// hasHeaderKey reports a line "Key: …" (or "Key : …") with one of keys.
func hasHeaderKey(t string, keys []string) bool {
	k, _, ok := strings.Cut(t[:min(len(t), 40)], ":")
	if !ok {
		return false
	}
	k = strings.ToLower(strings.TrimSpace(strings.Trim(k, "* ")))
	for _, key := range keys {
		if k == key {
			return true
		}
	}
	return false
}

// mailHeaderLine reports a header line of quoted or forwarded mail.
func mailHeaderLine(t string) bool {
	return t != "" && hasHeaderKey(strings.TrimLeft(t, "*"), headerKeys)
}

// greeting returns line without the greeting it starts with ("Hi IT team,",
// "Hello,", "Dear support", "Guten Morgen zusammen,", "Bonjour,", "Hola
// Juan,"): "" for a line that is only a greeting, the rest for "Hi Ann, my
// laptop …". ok is false when the line does not start with one.
func greeting(line string) (rest string, ok bool) {
	t := strings.TrimSpace(line)
	lt := strings.ToLower(t[:min(len(t), 30)])
	found := false
	for _, g := range greetings {
		if strings.HasPrefix(lt, g) && (len(lt) == len(g) || !unicode.IsLetter(rune(lt[len(g)]))) {
			found = true
			break
		}
	}
	if !found {
		return line, false
	}
	// The greeting runs to the first comma, "!", ":" or "." within a few
	// words; a short line without one is a greeting as a whole.
	if i := strings.IndexAny(t[:min(len(t), 48)], ",!:.;"); i >= 0 && len(strings.Fields(t[:i])) <= 5 {
		return strings.TrimSpace(t[i+1:]), true
	}
	if len(strings.Fields(t)) <= 4 {
		return "", true
	}
	return line, false
}

var greetings = []string{"hi", "hello", "hey", "hiya", "dear", "good morning", "good afternoon", "good evening",
	"good day", "greetings", "morning", "hallo", "guten morgen", "guten tag", "liebe", "lieber", "sehr geehrte",
	"moin", "servus", "bonjour", "bonsoir", "salut", "cher", "chère", "madame", "monsieur", "hola",
	"buenos días", "buenos dias", "buenas tardes", "buenas", "estimado", "estimada", "estimados", "ciao",
	"buongiorno", "to whom it may concern"}

// closing reports a sign-off line: "Best regards,", "Thanks!", "Cheers,
// Ann", "Mit freundlichen Grüßen", "Cordialement", "Saludos": a closing
// formula alone or followed by at most three words (a name).
func closing(l string) bool {
	t := strings.ToLower(strings.TrimSpace(l))
	if len(t) > 80 {
		return false
	}
	for _, c := range closings {
		if !strings.HasPrefix(t, c) || len(t) > len(c) && unicode.IsLetter(rune(t[len(c)])) {
			continue
		}
		tail := strings.Trim(t[len(c):], ",.!-—: ")
		if len(strings.Fields(tail)) <= 3 && !strings.ContainsAny(tail, ".?") {
			return true
		}
	}
	return false
}

// closings are sign-off formulas, longest first where one starts another.
var closings = []string{"best regards", "kind regards", "warm regards", "warmest regards", "many thanks",
	"with kind regards", "with best regards", "thanks and regards", "thanks & regards", "thanks in advance",
	"thank you in advance", "thank you very much", "thank you", "thanks a lot", "thanks so much", "thanks",
	"regards", "best wishes", "best", "cheers", "sincerely", "yours sincerely", "yours truly", "respectfully",
	"br", "rgds", "kr", "thx", "ty", "tia",
	"mit freundlichen grüßen", "mit freundlichen grüssen", "mit freundlichem gruß", "freundliche grüße",
	"freundliche grüsse", "beste grüße", "beste grüsse", "viele grüße", "viele grüsse", "liebe grüße",
	"lg", "mfg", "vg", "gruß", "grüße", "gruss", "vielen dank", "danke schön", "danke",
	"cordialement", "bien cordialement", "bien à vous", "merci d'avance", "merci beaucoup", "merci", "salutations",
	"saludos cordiales", "un saludo", "saludos", "atentamente", "muchas gracias", "gracias",
	"cordiali saluti", "distinti saluti", "grazie"}

// mobileFooterLine reports the one-line footer of a phone or app: "Sent
// from my iPhone", "Get Outlook for iOS", "Von meinem iPhone gesendet",
// "Envoyé de mon iPad", "Enviado desde mi móvil".
func mobileFooterLine(t string) bool {
	if len(t) > 80 || strings.ContainsAny(t, ".,;?") {
		return false
	}
	l := strings.ToLower(t)
	for _, p := range []string{"sent from my ", "sent from mail for", "sent with ", "sent via ", "get outlook for",
		"von meinem ", "gesendet von ", "envoyé de mon", "envoyé depuis mon", "enviado desde mi", "enviado de mi",
		"inviato da "} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

// disclaimerLine reports the start of a legal disclaimer or a
// print-and-environment footer: everything below it goes.
func disclaimerLine(t string) bool {
	return startsWithAny(t, "*_-=[( ", disclaimerStarts)
}

// disclaimerStarts are the first words of disclaimers, lower case.
var disclaimerStarts = []string{"disclaimer", "confidentiality notice", "confidentiality:", "this e-mail and any",
	"this email and any", "this message and any", "this e-mail is confidential", "this email is confidential",
	"this message is confidential", "this message contains confidential", "this e-mail contains confidential",
	"this email contains confidential", "the information contained in this", "the information in this e-mail",
	"the information in this email", "if you are not the intended recipient", "if you have received this",
	"please consider the environment", "think before you print", "please do not print",
	"diese e-mail enthält", "diese nachricht enthält", "diese e-mail ist vertraulich",
	"wenn sie nicht der richtige adressat", "ce message et", "ce courriel et", "ce message est confidentiel",
	"este mensaje y", "este correo y", "este mensaje es confidencial", "este correo electrónico y"}

// bannerLine reports a line a mail system puts above or into a mail: an
// external-sender warning ("[EXTERNAL]", "CAUTION: This email originated
// from outside …").
func bannerLine(t string) bool {
	return startsWithAny(t, "*_[( ", bannerStarts)
}

// bannerStarts are the first words of external-sender banners, lower case.
var bannerStarts = []string{"external email", "external sender", "external]", "external:", "caution: this email",
	"caution: this e-mail", "caution: external", "warning: this email", "warning: external", "[external",
	"this email originated from outside", "this message originated from outside", "achtung: externe",
	"externe e-mail", "attention : ce message provient"}

// startsWithAny reports whether t, without the leading characters of
// cutset and in lower case, starts with one of prefixes (lower case, at
// most 60 bytes).
func startsWithAny(t, cutset string, prefixes []string) bool {
	l := strings.TrimLeft(t, cutset)
	l = strings.ToLower(l[:min(len(l), 64)])
	for _, p := range prefixes {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

// mailWords returns the plain words of a text the model reads (MailText,
// or one line of words) after normalization (for a mail: cleaned, and the
// glossary's German, French and Spanish words made English), and how many of its first
// tokens are head words, which count again as features of their own: the
// subject's tokens (at most 2×headWords), or without a subject the first
// headWords (the dataset's texts begin with their subject).
func mailWords(text string, headWords int) (plain []string, head int) {
	subject, body, ok := splitMail(text)
	if !ok {
		// One line of words is the dataset's form: already normalized
		// (no greetings, signatures or digits left) and in English.
		return plainWords(stripTags(body)), headWords
	}
	forward := forwardSubject(subject)
	plain = translate(plainWords(CleanSubject(subject)))
	head = len(tokensOf(plain))
	if head == 0 {
		head = headWords
	}
	head = min(head, 2*headWords)
	return append(plain, translate(plainWords(cleanBody(body, forward)))...), head
}
