package follow

import (
	"context"
	"errors"
	"time"

	"github.com/bitai-l2/bitai/btcnode"
)

// watch keeps a block-notification subscription open for as long as ctx lives,
// poking wake on every notification. While it is down the follower polls; it
// resubscribes with backoff.
func (f *Follower) watch(ctx context.Context, wake chan<- struct{}) {
	retry := backoff{min: f.cfg.RetryMin, max: f.cfg.RetryMax}
	for ctx.Err() == nil {
		ch, err := f.cfg.Notifier.NotifyBlocks(ctx)
		if err != nil {
			retry.attempt++
			d := retry.delay()
			f.log.Warn("block notifications unavailable, polling", "attempt", retry.attempt,
				"retry_in", d, "err", err)
			if sleep(ctx, d) != nil {
				return
			}
			continue
		}
		retry.attempt = 0
		f.live.Store(true)
		f.log.Debug("block notifications live")
		poke(wake) // catch up on anything missed while down
		f.drain(ctx, ch, wake)
		f.live.Store(false)
		if ctx.Err() != nil {
			return
		}
		poke(wake) // the idle wait was sized for live notifications: re-arm it to poll
		retry.attempt++
		d := retry.delay()
		f.log.Warn("block notifications closed, polling", "attempt", retry.attempt, "retry_in", d)
		if sleep(ctx, d) != nil {
			return
		}
	}
}

// drain forwards notifications to wake until ch closes or ctx ends.
func (f *Follower) drain(ctx context.Context, ch <-chan BlockNotification, wake chan<- struct{}) {
	for {
		select {
		case <-ctx.Done():
			return
		case n, ok := <-ch:
			if !ok {
				return
			}
			if n.Connected {
				f.setNodeHeight(n.Height)
			}
			poke(wake)
		}
	}
}

// poke signals wake without blocking; one pending signal is enough.
func poke(wake chan<- struct{}) {
	select {
	case wake <- struct{}{}:
	default:
	}
}

// backoff doubles from min to max per attempt.
type backoff struct {
	min, max time.Duration
	attempt  int
}

// delay is the wait after the current attempt (attempt ≥ 1).
func (b *backoff) delay() time.Duration {
	d := b.min
	for i := 1; i < b.attempt && d < b.max; i++ {
		d *= 2
	}
	return min(d, b.max)
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// isNotFound reports whether err says the node does not know a block.
func isNotFound(err error) bool {
	return errors.Is(err, btcnode.ErrBlockNotFound)
}
