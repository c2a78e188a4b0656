package classify

import (
	"slices"
	"sync"
)

// Training splits its loops into a fixed number of contiguous chunks, one
// goroutine each. The number does not depend on the machine, so sums over
// the chunks are added in the same order everywhere and the same data
// gives the same model on any number of cores.
const parallelism = 4

// chunkCount is how many chunks forChunks splits n items into.
func chunkCount(n int) int { return max(min(parallelism, n), 1) }

// forChunks calls f(part, lo, hi) for each of the chunkCount(n) contiguous
// chunks [lo, hi) of [0, n), each in its own goroutine, and returns when
// all have returned.
func forChunks(n int, f func(part, lo, hi int)) {
	k := chunkCount(n)
	var wg sync.WaitGroup
	for p := range k {
		wg.Go(func() { f(p, p*n/k, (p+1)*n/k) })
	}
	wg.Wait()
}

// parallelFor calls f for every i in [0, n), in chunks on all cores.
func parallelFor(n int, f func(i int)) {
	forChunks(n, func(_, lo, hi int) {
		for i := lo; i < hi; i++ {
			f(i)
		}
	})
}

// countSorted sorts ids in place and returns each distinct id with how
// often it occurs, in id order.
func countSorted(ids []int32) sparse {
	slices.Sort(ids)
	var v sparse
	for j, id := range ids {
		if j > 0 && ids[j-1] == id {
			v.val[len(v.val)-1]++
			continue
		}
		v.idx = append(v.idx, id)
		v.val = append(v.val, 1)
	}
	return v
}

type float interface{ ~float32 | ~float64 }

// dot returns the dot product of x and y (len(y) ≥ len(x)), four at a
// time: the inner loop of the embedding and the network.
func dot[F float](x, y []F) F {
	y = y[:len(x)]
	var s0, s1, s2, s3 F
	i := 0
	for ; i+4 <= len(x); i += 4 {
		xs, ys := x[i:i+4:i+4], y[i:i+4:i+4]
		s0 += xs[0] * ys[0]
		s1 += xs[1] * ys[1]
		s2 += xs[2] * ys[2]
		s3 += xs[3] * ys[3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// axpy adds a·x to y (len(y) ≥ len(x)), four at a time.
func axpy[F float](a F, x, y []F) {
	y = y[:len(x)]
	i := 0
	for ; i+4 <= len(x); i += 4 {
		xs, ys := x[i:i+4:i+4], y[i:i+4:i+4]
		ys[0] += a * xs[0]
		ys[1] += a * xs[1]
		ys[2] += a * xs[2]
		ys[3] += a * xs[3]
	}
	for ; i < len(x); i++ {
		y[i] += a * x[i]
	}
}
