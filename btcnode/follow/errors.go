package follow

import "errors"

// Errors that end Run. Node errors never do: the follower retries them with backoff.
var (
	// ErrReorgTooDeep: the node's chain forks from the consumer's below the oldest
	// height HashAt knows (e.g. below the activation height, or a node on another
	// network or a wiped regtest). The consumer must re-index or use another node.
	ErrReorgTooDeep = errors.New("follow: reorg deeper than the consumer's stored history")

	// ErrStaleBlockUnavailable: a block the consumer must disconnect is no longer
	// known to the node, so no Disconnect event can carry it.
	ErrStaleBlockUnavailable = errors.New("follow: stale block unavailable from the node")

	// ErrHistoryMismatch: the consumer's stored hashes (HashAt, Start) do not link:
	// a block the consumer holds does not have the parent HashAt reports below it.
	ErrHistoryMismatch = errors.New("follow: consumer history does not link")

	// ErrHandler wraps every error returned by the handler (errors.Is still finds
	// the handler's own error).
	ErrHandler = errors.New("follow: handler")

	// ErrPrepare wraps every error returned by Config.Prepare.
	ErrPrepare = errors.New("follow: prepare")

	// ErrRunning: Run was called while another Run of the same Follower is active.
	ErrRunning = errors.New("follow: already running")
)

// fatalError marks an error that ends Run instead of being retried.
type fatalError struct{ err error }

func (e fatalError) Error() string { return e.err.Error() }
func (e fatalError) Unwrap() error { return e.err }

func fatal(err error) error { return fatalError{err} }
