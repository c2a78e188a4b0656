package inbox

import (
	"regexp"
	"strings"
	"unicode"
)

// NewText returns what the author wrote in a reply: body without the quoted
// earlier messages, the signature and the mobile footer. The algorithm is
// described in the package comment (doc.go, "Reply stripping").
//
// It looks at the first maxLines lines only: when no quote starts in them,
// the new text is those lines and a cut marker. Every rule looks at a
// bounded window of lines of bounded length, so NewText runs in time linear
// in body.
func NewText(body string) string {
	body = normalizeNewlines(body)
	lines := strings.SplitN(body, "\n", maxLines+1)
	long := false
	if len(lines) > maxLines {
		long = strings.TrimSpace(lines[maxLines]) != ""
		lines = lines[:maxLines]
	}
	cut := quoteStart(lines, 0)
	top := stripSignature(lines[:cut])
	s := strings.TrimSpace(strings.Join(top, "\n"))
	if s == "" && cut < len(lines) {
		s = interleaved(lines, cut)
	}
	if long && cut == len(lines) {
		return strings.TrimSpace(s + "\n\n" + cutMarker(linesCut))
	}
	if s == "" {
		s = strings.TrimSpace(body)
	}
	return s
}

// maxHeaderLine is the longest line considered as a quote header; longer
// lines are text (and never reach a regular expression).
const maxHeaderLine = 400

// quoteStart returns the index of the first line of quoted matter at or
// after from, or len(lines) when there is none.
func quoteStart(lines []string, from int) int {
	for i := from; i < len(lines); i++ {
		t := strings.TrimSpace(lines[i])
		if t == "" {
			continue
		}
		if t[0] == '>' {
			// A loose attribution right above the quote ("X <x@y> schrieb:")
			// belongs to it.
			if j := prevNonBlank(lines, i); j >= from && looseAttribution(strings.TrimSpace(lines[j])) {
				return j
			}
			return i
		}
		if len(t) > maxHeaderLine {
			continue
		}
		if isSeparator(lines, i) || wroteHeader(lines, i) || isHeaderBlock(lines, i) || isMobileFooter(t) {
			return i
		}
	}
	return len(lines)
}

func prevNonBlank(lines []string, i int) int {
	for j := i - 1; j >= 0; j-- {
		if strings.TrimSpace(lines[j]) != "" {
			return j
		}
	}
	return -1
}

// wroteVerbs are the verb of an attribution line in the languages mail
// clients localize it to ("wrote", "a écrit", "schrieb", "skrev"...), lower
// case. A substring test on the lower-cased line is much cheaper than a
// case-insensitive regular expression.
var wroteVerbs = []string{"wrote", "writes", "a écrit", "a ecrit", "schrieb", "schreef", "ha scritto",
	"scrisse", "escribió", "escribio", "escreveu", "skrev", "kirjoitti", "написал", "napisał",
	"napisal", "yazdı", "írta", "έγραψε", "napsal", "scrie", "rašė", "rakstīja", "kirjutas", "пише",
	"寫道", "写道", "が書きました", "작성"}

func hasWroteVerb(s string) bool {
	l := strings.ToLower(s)
	for _, v := range wroteVerbs {
		if strings.Contains(l, v) {
			return true
		}
	}
	return false
}

// wroteHeader reports whether an attribution ("On <date>, <who> wrote:")
// starts at line i. Clients wrap long ones over two or three lines. A
// wrapped one must start a paragraph (or start with a date) and its first
// line must look like the start of one: a digit or "@" or "<" in it, no
// sentence end. So a sentence above the attribution is not swallowed.
func wroteHeader(lines []string, i int) bool {
	t := strings.TrimSpace(lines[i])
	if attribution(t) {
		return true
	}
	if !strings.ContainsAny(t, "0123456789@<(") || strings.ContainsAny(t[len(t)-1:], ".!?:") {
		return false
	}
	if i > 0 && strings.TrimSpace(lines[i-1]) != "" && !startsWithDigit(t) && !strings.HasPrefix(t, "On ") {
		return false
	}
	joined := t
	for k := 1; k <= 2 && i+k < len(lines); k++ {
		next := strings.TrimSpace(lines[i+k])
		if next == "" || len(joined)+len(next) > maxHeaderLine {
			return false
		}
		if next[0] == '>' && len(next) > 3 {
			return false // a quote, not the ">:" end of a wrapped address
		}
		joined += " " + next
		if attribution(joined) {
			return true
		}
	}
	return false
}

func startsWithDigit(s string) bool {
	return s != "" && s[0] >= '0' && s[0] <= '9'
}

// attribution reports whether s is a whole attribution line: it ends with
// ":" (or is framed by dashes, as Zoho does), names a date or an address
// (a digit or "@"), and has a "wrote" verb or ends with "<address>:" (Gmail
// in Russian and Yandex give no verb).
func attribution(s string) bool {
	if len(s) > maxHeaderLine || len(s) < 6 {
		return false
	}
	framed := strings.HasPrefix(s, "--") && strings.HasSuffix(s, "--")
	core := strings.TrimSpace(strings.Trim(s, "- "))
	if !strings.ContainsAny(core, "0123456789@") {
		return false
	}
	if strings.HasSuffix(core, ":") || strings.HasSuffix(core, "：") {
		head := strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(core, ":"), "："))
		if strings.HasSuffix(head, ">") && strings.Contains(head, "@") && strings.ContainsAny(head, "0123456789") {
			return true
		}
		return hasWroteVerb(head)
	}
	// "On <date> <who> wrote" without the colon, or framed by dashes.
	return (framed || strings.HasPrefix(core, "On ")) && hasWroteVerb(lastWords(core, 2))
}

// looseAttribution is the weaker test for a line directly above a ">"
// quote: any short line ending with ":" that names a date or an address.
func looseAttribution(s string) bool {
	if len(s) > maxHeaderLine || !(strings.HasSuffix(s, ":") || strings.HasSuffix(s, "：")) {
		return false
	}
	return attribution(s) || strings.ContainsAny(s, "@") || hasWroteVerb(s)
}

func lastWords(s string, n int) string {
	f := strings.Fields(s)
	if len(f) > n {
		f = f[len(f)-n:]
	}
	return strings.Join(f, " ")
}

// separatorPhrases are the "Original Message" banners of Outlook and
// others, lower case, as they stand between their dashes or asterisks.
var separatorPhrases = map[string]bool{
	"original message": true, "forwarded message": true, "ursprüngliche nachricht": true,
	"weitergeleitete nachricht": true, "message d'origine": true, "message transféré": true,
	"mensaje original": true, "mensaje reenviado": true, "messaggio originale": true,
	"messaggio inoltrato": true, "oorspronkelijk bericht": true, "doorgestuurd bericht": true,
	"oprindelig meddelelse": true, "oprindelig besked": true, "videresendt meddelelse": true,
	"opprinnelig melding": true, "videresendt melding": true, "ursprungligt meddelande": true,
	"vidarebefordrat meddelande": true, "alkuperäinen viesti": true, "välitetty viesti": true,
	"исходное сообщение": true, "пересылаемое сообщение": true, "mensagem original": true,
	"mensagem encaminhada": true, "wiadomość oryginalna": true, "původní zpráva": true,
	"eredeti üzenet": true, "orijinal mesaj": true,
}

// isSeparator reports whether line i is a banner that starts quoted or
// forwarded matter: "-----Original Message-----" in any language, any
// "--- text ---" banner, or a rule of dashes or underscores directly above a
// header block.
func isSeparator(lines []string, i int) bool {
	t := strings.TrimSpace(lines[i])
	c := t[0]
	framed := c == '-' || c == '_' || c == '=' || c == '*'
	if !framed && len(t) > 60 {
		return false
	}
	if strings.HasPrefix(t, "---") && strings.HasSuffix(t, "---") && strings.Trim(t, "- ") != "" &&
		strings.IndexFunc(t, unicode.IsLetter) >= 0 {
		return true
	}
	if core := strings.Trim(t, "-_=* :\t"); len(core) <= 40 && separatorPhrases[strings.ToLower(core)] {
		return true
	}
	if !framed {
		return false
	}
	if len(t) >= 4 && (strings.Trim(t, "_") == "" || strings.Trim(t, "-") == "" || strings.Trim(t, "=") == "") {
		// A rule directly above a header block, or above a "Key : value"
		// line naming a date or address ("Message du : 12/12/2016 13:20").
		for k, seen := i+1, 0; k < len(lines) && seen < 2; k++ {
			l := strings.TrimSpace(lines[k])
			if l == "" {
				continue
			}
			seen++
			if isHeaderBlock(lines, k) || seen == 1 && keyValueLine(l) {
				return true
			}
		}
	}
	return false
}

// headerKey matches a line of a quoted header block as Outlook, Apple Mail
// and webmails write it in many languages ("From:", "*Von:*", "De :"...).
var headerKey = regexp.MustCompile(`(?i)^[*\s]*(from|sent|date|to|cc|subject|reply-to|von|gesendet|datum|an|betreff|de|envoyé|date d'envoi|à|objet|fra|sendt|dato|til|emne|från|skickat|till|ämne|van|verzonden|aan|onderwerp|od|wysłano|do|temat|da|inviato|data|a|oggetto|remetente|enviado|enviada|para|assunto|fecha|asunto|от|отправлено|дата|кому|тема|копия|lähettäjä|lähetetty|vastaanottaja|aihe|päivämäärä|feladó|elküldve|címzett|tárgy|kimden|gönderildi|kime|konu|差出人|送信日時|宛先|件名|发件人|发送时间|收件人|主题|寄件者|傳送時間|收件者|主旨|보낸 사람|받는 사람|제목|mittente|sender|afzender)\s*[:：]`)

// fromKey is the subset of headerKey that names the author.
var fromKey = regexp.MustCompile(`(?i)^[*\s]*(from|von|de|fra|från|van|od|da|remetente|от|lähettäjä|feladó|kimden|差出人|发件人|寄件者|보낸 사람|mittente|sender|afzender)\s*[:：]`)

// keyValueLine reports whether l is "Key : value" with a short key of at
// most three words and a value naming a date or an address.
func keyValueLine(l string) bool {
	key, val, ok := strings.Cut(l, ":")
	if !ok || len(key) > 30 || len(strings.Fields(key)) > 3 || strings.TrimSpace(key) == "" {
		return false
	}
	return strings.ContainsAny(val, "0123456789@")
}

func maybeHeaderLine(t string) bool {
	n := len(t)
	if n > 48 {
		n = 48
	}
	return strings.Contains(t[:n], ":") || strings.Contains(t, "：")
}

// subjectKey is the subset of headerKey that gives the subject.
var subjectKey = regexp.MustCompile(`(?i)^[*\s]*(subject|betreff|objet|emne|ämne|onderwerp|temat|oggetto|assunto|asunto|тема|aihe|tárgy|konu|件名|主题|主旨|제목)\s*[:：]`)

// isHeaderBlock reports whether a quoted header block starts at line i: at
// least three header lines within seven, one naming the author with an
// address or a subject line among them (so a "From: Berlin / To: Munich /
// Date: Monday" travel request is text); or a "From:" line with an address
// and one more header line.
func isHeaderBlock(lines []string, i int) bool {
	t := strings.TrimSpace(lines[i])
	if !maybeHeaderLine(t) || !headerKey.MatchString(t) {
		return false
	}
	keys, from, fromAddr, subject := 0, false, false, false
	for k := i; k < len(lines) && k < i+7; k++ {
		l := strings.TrimSpace(lines[k])
		if l == "" || len(l) > maxHeaderLine*2 || !maybeHeaderLine(l) {
			continue
		}
		if headerKey.MatchString(l) {
			keys++
			if !from && fromKey.MatchString(l) {
				from = true
				fromAddr = strings.Contains(l, "@")
			}
			if !subject && subjectKey.MatchString(l) {
				subject = true
			}
		}
	}
	return keys >= 3 && from && (fromAddr || subject) || keys >= 2 && fromKey.MatchString(t) && strings.Contains(t, "@")
}

// mobileFooter matches the one-line footers phones and apps add ("Sent from
// my iPhone", "Envoyé de mon iPad", "Get Outlook for iOS"). Only a short
// line of words qualifies: "Sent from my desk, is much easier..." is text.
var mobileFooter = regexp.MustCompile(`(?i)^(sent from|sent with|sent via|envoyé de|envoyé depuis|envoyé à partir de|gesendet von|von meinem|enviado desde|enviado do|enviado de|inviato da|verzonden met|verstuurd vanaf|skickat från|sendt fra|lähetetty|get outlook for|obtenir outlook pour|télécharger outlook pour|outlook für|отправлено с)\b[^.,!?;:<>]{0,60}$`)

// mobilePrefixes are the first words of mobileFooter, to skip the regular
// expression on all other lines.
var mobilePrefixes = []string{"sent ", "envoy", "gesendet", "von meinem", "enviado", "inviato",
	"verzonden", "verstuurd", "skickat", "sendt", "lähetetty", "get outlook", "obtenir",
	"télécharger", "outlook für", "отправлено"}

func isMobileFooter(t string) bool {
	if len(t) > 160 {
		return false
	}
	head := t
	if len(head) > 16 {
		head = head[:16]
	}
	head = strings.ToLower(head)
	ok := false
	for _, p := range mobilePrefixes {
		if strings.HasPrefix(head, p) || len(p) > len(head) && strings.HasPrefix(p, head) {
			ok = true
			break
		}
	}
	if !ok {
		return false
	}
	// A trailing link ("Sent from TypeApp<http://...>") is not words.
	if strings.HasSuffix(t, ">") {
		if i := strings.LastIndexByte(t, '<'); i > 0 {
			t = strings.TrimSpace(t[:i])
		}
	} else if strings.HasSuffix(t, ")") {
		if i := strings.LastIndexByte(t, '('); i > 0 {
			t = strings.TrimSpace(t[:i])
		}
	}
	return mobileFooter.MatchString(t)
}

// signOff matches a closing formula ("Regards," "Mit freundlichen Grüßen")
// after which only a name and title follow.
var signOff = regexp.MustCompile(`(?i)^((best|kind|warm|warmest|many|with kind|with best)\s+)?regards[,.!]?$|^(mit freundlichen grüßen|mit freundlichen grüssen|freundliche grüße|beste grüße|viele grüße|cordialement|bien cordialement|met vriendelijke groet(en)?|saludos( cordiales)?|cordiali saluti|distinti saluti|med vänlig hälsning|med venlig hilsen|med vennlig hilsen|ystävällisin terveisin|atenciosamente|с уважением)[,.!]?$`)

// stripSignature cuts the signature: from a "-- " delimiter (or "--"),
// or from a "-Name" line or a rule of underscores when only a short block
// follows, or from a closing formula ("Regards,") with the name block below
// it. Trailing blanks of each line go too.
func stripSignature(lines []string) []string {
	seen := false
	for i, l := range lines {
		t := strings.TrimRight(l, " \t")
		if seen && (t == "--" || sigStart(t) && shortTail(lines[i+1:], 8) && !listFollows(lines[i+1:])) {
			lines = lines[:i]
			break
		}
		if strings.TrimSpace(l) != "" {
			seen = true
		}
	}
	for i, seen := len(lines)-1, 0; i > 0 && seen <= 7; i-- {
		t := strings.TrimSpace(lines[i])
		if t == "" {
			continue
		}
		seen++
		if len(t) > 40 || !signOff.MatchString(t) {
			continue
		}
		if shortTail(lines[i+1:], 6) && !blank(lines[:i]) {
			lines = lines[:i]
		}
		break
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.TrimRightFunc(l, unicode.IsSpace) // no-break spaces too
	}
	return out
}

// blank reports whether lines hold only white space.
func blank(lines []string) bool {
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			return false
		}
	}
	return true
}

// sigStart reports whether t opens a signature block: "-- Name", "-Name"
// (a dash glued to a word) or a rule of two or more underscores.
func sigStart(t string) bool {
	switch {
	case strings.HasPrefix(t, "-- ") && len(t) < 40:
		return true
	case len(t) >= 2 && len(t) < 40 && t[0] == '-' && unicode.IsLetter(rune(t[1])):
		return looksLikeName(t[1:])
	case len(t) >= 2 && strings.Trim(t, "_") == "":
		return true
	}
	return false
}

// looksLikeName reports whether s is one to three capitalized words ("Abhishek
// Kona"), not a list item glued to its dash ("-restart the router").
func looksLikeName(s string) bool {
	words := strings.Fields(s)
	if len(words) == 0 || len(words) > 3 {
		return false
	}
	for _, w := range words {
		r := []rune(w)
		if !unicode.IsUpper(r[0]) {
			return false
		}
	}
	return true
}

// listFollows reports whether the next non-blank line also starts with a
// dash: then a "-Name" line is an item of a list.
func listFollows(lines []string) bool {
	for _, l := range lines {
		if l = strings.TrimSpace(l); l != "" {
			return strings.HasPrefix(l, "-") && !strings.HasPrefix(l, "--")
		}
	}
	return false
}

// shortTail reports whether lines hold at most n non-blank lines, none of
// them long: what a signature looks like.
func shortTail(lines []string, n int) bool {
	count := 0
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		count++
		if count > n || len(l) > 100 {
			return false
		}
	}
	return true
}

// interleaved collects what the author wrote between quoted passages, for
// a reply that starts with the quote (an inline answer). It stops at a
// signature or at the next quoted header.
func interleaved(lines []string, from int) string {
	var segs []string
	var cur []string
	flush := func() {
		if s := strings.TrimSpace(strings.Join(cur, "\n")); s != "" {
			segs = append(segs, s)
		}
		cur = cur[:0]
	}
	started := false
	for i := from; i < len(lines); i++ {
		t := strings.TrimSpace(lines[i])
		if strings.HasPrefix(t, ">") {
			started = true
			flush()
			continue
		}
		if !started {
			continue
		}
		if strings.TrimRight(lines[i], " \t") == "--" {
			break
		}
		if t != "" && len(t) <= maxHeaderLine && (isSeparator(lines, i) || wroteHeader(lines, i) || isHeaderBlock(lines, i)) {
			break
		}
		cur = append(cur, lines[i])
	}
	flush()
	return strings.Join(segs, "\n\n")
}
