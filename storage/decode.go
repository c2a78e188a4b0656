package storage

// decodedRow is a stored row that becomes a domain value, or fails when
// one of its JSON columns does not read (a category's levels, a
// calendar's hours, a mailbox's settings).
type decodedRow[D any] interface{ domain() (D, error) }

// decodeOne converts row to its domain value.
func decodeOne[D any, R any, PR interface {
	*R
	decodedRow[D]
}](row *R) (*D, error) {
	v, err := PR(row).domain()
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// decodeRows converts rows to their domain values, failing at the first
// that does not read.
func decodeRows[D any, R any, PR interface {
	*R
	decodedRow[D]
}](rows []R) ([]D, error) {
	out := make([]D, len(rows))
	for i := range rows {
		v, err := PR(&rows[i]).domain()
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}
