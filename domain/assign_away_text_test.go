package domain

import (
	"testing"
	"time"
)

func TestAwayUntilFromText(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)
	lateDec := time.Date(2026, 12, 28, 9, 0, 0, 0, time.UTC)
	march := time.Date(2026, 3, 20, 14, 0, 0, 0, time.UTC)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name string
		text string
		now  time.Time
		want time.Time // zero: no date
	}{
		{"english until", "I am out of the office until 4 December with limited access to email.", now, day(2026, 12, 5)},
		{"english back on ISO", "Thank you for your message. I'm back on 2026-12-04.", now, day(2026, 12, 4)},
		{"english month first", "I will be out until December 4th, 2026. For urgent matters call the desk.", now, day(2026, 12, 5)},
		{"english returning", "Out of office. Returning Monday, Dec 7.", now, day(2026, 12, 7)},
		{"english range takes the latest", "I am away from 30 November until 4 December.", now, day(2026, 12, 5)},
		{"english ordinal of", "On leave until the 3rd of December.", now, day(2026, 12, 4)},
		{"german zurück", "Vielen Dank für Ihre Nachricht. Ich bin zurück am 04.12.2026.", now, day(2026, 12, 4)},
		{"german bis month name", "Ich bin bis 4. Dezember nicht im Büro.", now, day(2026, 12, 5)},
		{"german ab", "Ab dem 7.12. bin ich wieder erreichbar.", now, day(2026, 12, 7)},
		{"french jusqu'au", "Je suis absent jusqu'au 4 décembre inclus.", now, day(2026, 12, 5)},
		{"french de retour", "Je serai de retour le 1er décembre.", now, day(2026, 12, 1)},
		{"spanish", "Estaré fuera de la oficina hasta el 4 de diciembre de 2026.", now, day(2026, 12, 5)},
		{"dutch terug", "Ik ben terug op 3 december.", now, day(2026, 12, 3)},
		{"exchange fixture", "I am out of the office until 30 March with limited access to e-mail. For urgent matters please contact it-ops@example.com.",
			march, day(2026, 3, 31)},
		{"gmail vacation fixture", "I am on holiday until 6 April and will answer after that.", march, day(2026, 4, 7)},
		{"german einschließlich", "Ich bin bis einschließlich 4.12.2026 nicht im Büro. In dringenden Fällen wenden Sie sich an it@x.test.", now, day(2026, 12, 5)},
		{"italian fino al", "Sarò fuori ufficio fino al 4 dicembre.", now, day(2026, 12, 5)},
		{"italian rientro", "Rientrerò il 7 dicembre.", now, day(2026, 12, 7)},
		{"unambiguous slash", "Out until 14/12/2026.", now, day(2026, 12, 15)},
		{"no year wraps to next year", "Away until 3 January.", lateDec, day(2027, 1, 4)},
		{"no year wraps iso-less german", "Bis 02.01. im Urlaub.", lateDec, day(2027, 1, 3)},
		{"past date without year", "I was out until 20 November.", now, time.Time{}},
		{"past date with year", "Back on 2025-12-04.", now, time.Time{}},
		{"more than a year ahead", "Sabbatical until 2028-06-01.", now, time.Time{}},
		{"ambiguous slash", "Out until 04/12/2026.", now, time.Time{}},
		{"impossible date", "Back on 31 November.", now, time.Time{}},
		{"no date", "I am currently out of the office with limited access to email.", now, time.Time{}},
		{"garbage", "zzz 99.99. may be later, version 2026-13-45", now, time.Time{}},
		{"empty", "", now, time.Time{}},
		{"a number is not a day", "Call 2026 december office", now, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := AwayUntilFromText(tt.text, tt.now)
			if ok != !tt.want.IsZero() || !got.Equal(tt.want) {
				t.Errorf("AwayUntilFromText(%q, %v) = %v, %v; want %v, %v", tt.text, tt.now, got, ok, tt.want, !tt.want.IsZero())
			}
		})
	}
}
