// franz-check: franz-go (github.com/twmb/franz-go, kgo and kadm) driving a Kafka-protocol server,
// for strom's client matrix (test/clients/client-matrix.test.ts). Built by scripts/peer-clients.sh.
// Each mode prints one `key value` line per fact for the test to check; any failure exits 1.
//
//	franz-check produce BOOTSTRAP TOPIC COUNT CODEC   records k<i>/v<i>, header seq=<i>, codec none|gzip|snappy|lz4|zstd
//	franz-check consume BOOTSTRAP TOPIC FROM           FROM: beginning | end | a timestamp in ms
//	franz-check group BOOTSTRAP TOPIC GROUP COUNT      3 members with commits; COUNT records produced once all hold partitions
//	franz-check admin BOOTSTRAP TOPIC                  create (3 partitions), list, delete, list
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

func main() {
	if len(os.Args) < 4 {
		fail(fmt.Errorf("usage: franz-check MODE BOOTSTRAP TOPIC ARGS..."))
	}
	mode, bootstrap, topic, args := os.Args[1], os.Args[2], os.Args[3], os.Args[4:]
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var err error
	switch mode {
	case "produce":
		err = produce(ctx, bootstrap, topic, atoi(args[0]), args[1])
	case "consume":
		err = consume(ctx, bootstrap, topic, args[0])
	case "group":
		err = group(ctx, bootstrap, topic, args[0], atoi(args[1]))
	case "admin":
		err = admin(ctx, bootstrap, topic)
	default:
		err = fmt.Errorf("unknown mode %q", mode)
	}
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "franz-check:", err)
	os.Exit(1)
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		fail(err)
	}
	return n
}

func printRecord(r *kgo.Record) {
	headers := make([]string, len(r.Headers))
	for i, h := range r.Headers {
		headers[i] = h.Key + "=" + string(h.Value)
	}
	fmt.Printf("record %d:%d %s %s %s %d\n", r.Partition, r.Offset, r.Key, r.Value, strings.Join(headers, ","), r.Timestamp.UnixMilli())
}

// The idempotent producer (franz-go's default), keyed records with one header each.
func produce(ctx context.Context, bootstrap, topic string, count int, codec string) error {
	codecs := map[string]kgo.CompressionCodec{"none": kgo.NoCompression(), "gzip": kgo.GzipCompression(), "snappy": kgo.SnappyCompression(), "lz4": kgo.Lz4Compression(), "zstd": kgo.ZstdCompression()}
	c, ok := codecs[codec]
	if !ok {
		return fmt.Errorf("unknown codec %q", codec)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.DefaultProduceTopic(topic), kgo.ProducerBatchCompression(c))
	if err != nil {
		return err
	}
	defer cl.Close()
	records := make([]*kgo.Record, count)
	for i := range records {
		records[i] = &kgo.Record{Key: []byte(fmt.Sprintf("k%d", i)), Value: []byte(fmt.Sprintf("v%d-%s", i, strings.Repeat("x", 200))), Headers: []kgo.RecordHeader{{Key: "seq", Value: []byte(strconv.Itoa(i))}}}
	}
	results := cl.ProduceSync(ctx, records...)
	if err := results.FirstErr(); err != nil {
		return err
	}
	fmt.Println("acked", len(results))
	return nil
}

// Reads the topic's partitions without a group from FROM. For beginning and a timestamp it reads up
// to the end offsets listed at the start; for end it produces one record every 200 ms (positions are
// resolved lazily, so producing once could land before the position) until one arrives.
func consume(ctx context.Context, bootstrap, topic, from string) error {
	admCl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap))
	if err != nil {
		return err
	}
	defer admCl.Close()
	adm := kadm.NewClient(admCl)
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		return err
	}
	if err := ends.Error(); err != nil {
		return err
	}
	var offset kgo.Offset
	expected := int64(0)
	switch from {
	case "beginning":
		offset = kgo.NewOffset().AtStart()
		starts, err := adm.ListStartOffsets(ctx, topic)
		if err != nil {
			return err
		}
		ends.Each(func(o kadm.ListedOffset) { expected += o.Offset - starts[topic][o.Partition].Offset })
	case "end":
		offset = kgo.NewOffset().AtEnd()
	default:
		ts, err := strconv.ParseInt(from, 10, 64)
		if err != nil {
			return err
		}
		offset = kgo.NewOffset().AfterMilli(ts)
		after, err := adm.ListOffsetsAfterMilli(ctx, ts, topic)
		if err != nil {
			return err
		}
		ends.Each(func(o kadm.ListedOffset) {
			if a, ok := after.Lookup(topic, o.Partition); ok && a.Offset >= 0 {
				expected += o.Offset - a.Offset
			}
		})
	}
	partitions := map[int32]kgo.Offset{}
	ends.Each(func(o kadm.ListedOffset) { partitions[o.Partition] = offset })
	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: partitions}), kgo.FetchMaxWait(500*time.Millisecond))
	if err != nil {
		return err
	}
	defer cl.Close()
	var stopProducing atomic.Bool
	if from == "end" {
		expected = 1
		go func() {
			for i := 0; !stopProducing.Load() && ctx.Err() == nil; i++ {
				admCl.Produce(ctx, &kgo.Record{Topic: topic, Key: []byte("after"), Value: []byte(fmt.Sprintf("after-%d", i))}, nil)
				time.Sleep(200 * time.Millisecond)
			}
		}()
	}
	consumed, old := int64(0), 0
	for consumed < expected {
		fetches := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return fmt.Errorf("consumed %d of %d: %w", consumed, expected, ctx.Err())
		}
		if errs := fetches.Errors(); len(errs) > 0 {
			return fmt.Errorf("fetch: %v", errs[0].Err)
		}
		fetches.EachRecord(func(r *kgo.Record) {
			if from == "end" && r.Offset < ends[topic][r.Partition].Offset {
				old++
			}
			printRecord(r)
			consumed++
		})
	}
	stopProducing.Store(true)
	fmt.Println("consumed", consumed)
	if from == "end" {
		fmt.Println("old_records", old)
	}
	return nil
}

type member struct {
	mu       sync.Mutex
	assigned map[int32]bool
	received map[int32]bool
}

// Three members of one group (franz-go's default balancer, cooperative-sticky), committing after
// each poll. The records are produced only once every member holds partitions, so no member can
// read them all before the others join.
func group(ctx context.Context, bootstrap, topic, groupID string, count int) error {
	prodCl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		return err
	}
	defer prodCl.Close()
	topics, err := kadm.NewClient(prodCl).ListTopics(ctx, topic)
	if err != nil {
		return err
	}
	partitionCount := len(topics[topic].Partitions)
	if partitionCount == 0 {
		return fmt.Errorf("topic %s has no partitions", topic)
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var consumed atomic.Int64
	var stop atomic.Bool
	members := make([]*member, 3)
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for m := range members {
		mb := &member{assigned: map[int32]bool{}, received: map[int32]bool{}}
		members[m] = mb
		cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.ConsumerGroup(groupID), kgo.ConsumeTopics(topic), kgo.DisableAutoCommit(),
			kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchMaxWait(500*time.Millisecond),
			kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, a map[string][]int32) {
				mb.mu.Lock()
				for _, p := range a[topic] {
					mb.assigned[p] = true
				}
				mb.mu.Unlock()
			}),
			kgo.OnPartitionsRevoked(func(ctx context.Context, c *kgo.Client, r map[string][]int32) {
				c.CommitUncommittedOffsets(ctx)
				mb.mu.Lock()
				for _, p := range r[topic] {
					delete(mb.assigned, p)
				}
				mb.mu.Unlock()
			}),
			kgo.OnPartitionsLost(func(_ context.Context, _ *kgo.Client, l map[string][]int32) {
				mb.mu.Lock()
				for _, p := range l[topic] {
					delete(mb.assigned, p)
				}
				mb.mu.Unlock()
			}))
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer cl.Close()
			for !stop.Load() {
				pollCtx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
				fetches := cl.PollFetches(pollCtx)
				cancel()
				fetches.EachError(func(t string, p int32, err error) {
					if err != context.DeadlineExceeded && err != context.Canceled {
						errs <- fmt.Errorf("member fetch %s[%d]: %w", t, p, err)
						stop.Store(true)
					}
				})
				n := 0
				fetches.EachRecord(func(r *kgo.Record) {
					mu.Lock()
					seen[fmt.Sprintf("%d:%d", r.Partition, r.Offset)]++
					mu.Unlock()
					mb.mu.Lock()
					mb.received[r.Partition] = true
					mb.mu.Unlock()
					consumed.Add(1)
					n++
				})
				if n > 0 {
					if err := cl.CommitUncommittedOffsets(ctx); err != nil {
						errs <- fmt.Errorf("commit: %w", err)
						stop.Store(true)
					}
				}
			}
			if err := cl.CommitUncommittedOffsets(ctx); err != nil {
				errs <- fmt.Errorf("final commit: %w", err)
			}
		}()
	}
	balanced := func() bool {
		union := map[int32]int{}
		for _, mb := range members {
			mb.mu.Lock()
			n := len(mb.assigned)
			for p := range mb.assigned {
				union[p]++
			}
			mb.mu.Unlock()
			if n == 0 {
				return false
			}
		}
		for _, n := range union {
			if n != 1 {
				return false
			}
		}
		return len(union) == partitionCount
	}
	for !balanced() {
		if ctx.Err() != nil || stop.Load() {
			stop.Store(true)
			wg.Wait()
			return fmt.Errorf("the 3 members never split the %d partitions between them", partitionCount)
		}
		time.Sleep(50 * time.Millisecond)
	}
	fmt.Println("members_with_partitions", 3)
	records := make([]*kgo.Record, count)
	for i := range records {
		records[i] = &kgo.Record{Topic: topic, Partition: int32(i % partitionCount), Key: []byte(fmt.Sprintf("k%d", i)), Value: []byte(fmt.Sprintf("v%d", i))}
	}
	if err := prodCl.ProduceSync(ctx, records...).FirstErr(); err != nil {
		stop.Store(true)
		wg.Wait()
		return err
	}
	for {
		mu.Lock()
		distinct := len(seen)
		mu.Unlock()
		if distinct >= count || ctx.Err() != nil || stop.Load() {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		return err
	}
	// Partitions that more than one member received records from.
	owners := map[int32]int{}
	receiving := 0
	for _, mb := range members {
		if len(mb.received) > 0 {
			receiving++
		}
		for p := range mb.received {
			owners[p]++
		}
	}
	overlaps := 0
	for _, n := range owners {
		if n > 1 {
			overlaps++
		}
	}
	fmt.Println("consumed", consumed.Load())
	fmt.Println("distinct", len(seen))
	fmt.Println("members_with_records", receiving)
	fmt.Println("overlaps", overlaps)
	return nil
}

func admin(ctx context.Context, bootstrap, topic string) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap))
	if err != nil {
		return err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	created, err := adm.CreateTopics(ctx, 3, 1, nil, topic)
	if err != nil {
		return err
	}
	if err := created.Error(); err != nil {
		return err
	}
	fmt.Println("created", topic)
	listed, err := adm.ListTopics(ctx)
	if err != nil {
		return err
	}
	fmt.Println("listed", listed.Has(topic))
	fmt.Println("partitions", len(listed[topic].Partitions))
	deleted, err := adm.DeleteTopics(ctx, topic)
	if err != nil {
		return err
	}
	if err := deleted.Error(); err != nil {
		return err
	}
	// kadm answers from kgo's metadata cache (MetadataMinAge, 5 s): purging the topic, as kgo's
	// docs say to after a deletion, makes the listing ask the server again.
	cl.PurgeTopicsFromClient(topic)
	after, err := adm.ListTopics(ctx)
	if err != nil {
		return err
	}
	if after.Has(topic) {
		fmt.Fprintf(os.Stderr, "franz-check: listed after deletion: %+v\n", after[topic])
	}
	fmt.Println("deleted", !after.Has(topic))
	return nil
}
