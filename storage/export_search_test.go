package storage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// searchStopWords are the common words of the seeded tickets' text
// (SeedSearchForTest), most frequent first; searchTopics the words of
// what a ticket is about, one topic a ticket.
var (
	searchStopWords = strings.Fields(`the to is a and i my not of in it on we for please with can this from have
		be working help since today again still after when but all our there they will would could`)
	searchTopics = [][]string{
		strings.Fields("printer paper jam toner print"), strings.Fields("vpn network connection remote"),
		strings.Fields("password reset locked login expired"), strings.Fields("email outlook mailbox attachment"),
		strings.Fields("laptop screen battery charger"), strings.Fields("monitor display cable hdmi"),
		strings.Fields("keyboard mouse usb dock"), strings.Fields("phone mobile sim voicemail"),
		strings.Fields("meeting room projector calendar"), strings.Fields("access permission folder share"),
		strings.Fields("software install license update"), strings.Fields("wifi wireless signal guest"),
		strings.Fields("backup restore file deleted"), strings.Fields("disk full storage quota"),
		strings.Fields("scanner scan pdf copier"), strings.Fields("headset camera audio microphone"),
		strings.Fields("account new employee onboarding"), strings.Fields("server slow down outage"),
		strings.Fields("invoice erp sap report"), strings.Fields("teams chat channel call"),
		strings.Fields("browser chrome certificate proxy"), strings.Fields("database query timeout crm"),
		strings.Fields("badge door building parking"), strings.Fields("excel macro spreadsheet formula"),
		strings.Fields("virus phishing spam suspicious"),
	}
)

// SeedSearchForTest inserts n tickets of requester, created a minute
// apart from at on, each about one of searchTopics (in turn, with made-up
// Zipf-distributed words and common words around, the same every time):
// subjects of 3 to 8 words, texts of 30 to 200. They are inserted 500 a
// statement, through the triggers that index them; every tenth ticket
// also gets a comment.
func (s *Store) SeedSearchForTest(ctx context.Context, n int, requester int64, at time.Time) error {
	rng := rand.New(rand.NewPCG(1, 2))
	common := rand.NewZipf(rng, 1.2, 2, uint64(len(searchStopWords)-1))
	rare := rand.NewZipf(rng, 1.1, 10, 20_000)
	text := func(topic []string, words, stops int) string {
		var b strings.Builder
		for i := range words {
			if i > 0 {
				b.WriteByte(' ')
			}
			switch r := rng.IntN(10); {
			case r < stops:
				b.WriteString(searchStopWords[common.Uint64()])
			case r < 8:
				b.WriteString(topic[rng.IntN(len(topic))])
			default:
				fmt.Fprintf(&b, "w%x", rare.Uint64())
			}
		}
		return b.String()
	}
	statuses := []string{"triage", "assigned", "assigned", "resolved", "resolved", "resolved", "closed"}
	for done := 0; done < n; {
		rows := make([]ticketRow, 0, 500)
		for i := 0; i < 500 && done < n; i++ {
			done++
			created := utc(at.Add(time.Duration(done) * time.Minute))
			topic := searchTopics[done%len(searchTopics)]
			rows = append(rows, ticketRow{Subject: text(topic, 3+rng.IntN(6), 3), Body: text(topic, 30+rng.IntN(171), 6), RequesterID: requester,
				Status: statuses[rng.IntN(len(statuses))], CreatedAt: created, UpdatedAt: created})
		}
		if _, err := s.idb.NewInsert().Model(&rows).Returning("id").Exec(ctx); err != nil {
			return err
		}
		var events []eventRow
		for i, r := range rows {
			if i%10 == 0 {
				topic := searchTopics[rng.IntN(len(searchTopics))]
				events = append(events, eventRow{TicketID: r.ID, At: r.CreatedAt, Kind: "commented", Actor: "agent@x.test", Detail: text(topic, 20, 6)})
			}
		}
		if _, err := s.idb.NewInsert().Model(&events).Exec(ctx); err != nil {
			return err
		}
	}
	return nil
}

// SearchIndexSizeForTest returns the bytes the search index takes: its
// table and index on PostgreSQL, the FTS5 table's shadow tables on SQLite.
func (s *Store) SearchIndexSizeForTest(ctx context.Context) (int64, error) {
	var n int64
	q := "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'ticket_search%'"
	if s.Postgres() {
		q = "SELECT pg_total_relation_size('ticket_search')"
	}
	err := s.db.QueryRowContext(ctx, q).Scan(&n)
	return n, err
}

// SearchLaterForTest lists ticket_search_later (SQLite; nil on
// PostgreSQL), in this Store's transaction if it has one.
func (s *Store) SearchLaterForTest(ctx context.Context) ([]int64, error) {
	if s.Postgres() {
		return nil, nil
	}
	var ids []int64
	err := s.idb.NewRaw("SELECT ticket_id FROM ticket_search_later ORDER BY ticket_id").Scan(ctx, &ids)
	return ids, err
}
