// Command egress runs LiveKit Egress (github.com/livekit/egress, pinned in go.mod) for Session
// Monitor's tests. Upstream's cmd/server embeds a templates folder that is not in the Go module,
// so it cannot be built from the module proxy; this is our own, smaller entry point over the
// same packages. Room-composite templates are not served: the tests record participants only.
//
//	egress --config FILE             the service: takes egress requests from livekit-server over Redis
//	egress run-handler --config YAML --request JSON
//	                                 one recording; the service execs this by the name "egress"
//	                                 found on PATH, so the binary must keep that name
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/livekit/egress/pkg/config"
	"github.com/livekit/egress/pkg/handler"
	"github.com/livekit/egress/pkg/server"
	"github.com/livekit/egress/pkg/service"
	"github.com/livekit/protocol/logger"
	"github.com/livekit/protocol/redis"
	"github.com/livekit/protocol/rpc"
	"github.com/livekit/psrpc"
)

func main() {
	var err error
	if len(os.Args) > 1 && os.Args[1] == "run-handler" {
		err = runHandler(os.Args[2:])
	} else {
		err = runService(os.Args[1:])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "egress:", err)
		os.Exit(1)
	}
}

// runService reads the YAML config from --config (a file) or $EGRESS_CONFIG_BODY and serves
// until SIGTERM/SIGQUIT (finish recordings) or SIGINT (stop them).
func runService(args []string) error {
	flags := flag.NewFlagSet("egress", flag.ContinueOnError)
	configFile := flags.String("config", os.Getenv("EGRESS_CONFIG_FILE"), "egress YAML config file")
	if err := flags.Parse(args); err != nil {
		return err
	}
	body := os.Getenv("EGRESS_CONFIG_BODY")
	if body == "" {
		if *configFile == "" {
			return errors.New("no config: pass --config FILE or set EGRESS_CONFIG_BODY")
		}
		content, err := os.ReadFile(*configFile)
		if err != nil {
			return err
		}
		body = string(content)
	}
	conf, err := config.NewServiceConfig(body)
	if err != nil {
		return err
	}
	bus, err := redisBus(conf.Redis)
	if err != nil {
		return err
	}
	io, err := service.NewIOClient(bus)
	if err != nil {
		return err
	}
	svc, err := server.NewServer(conf, bus, io)
	if err != nil {
		return err
	}

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGQUIT, syscall.SIGINT)
	go func() {
		sig := <-signals
		stopRecordings := sig == syscall.SIGINT
		logger.Infow("exit requested", "signal", sig, "stopRecordings", stopRecordings)
		svc.Shutdown(true, stopRecordings)
	}()

	// Logs "service ready" once it listens for start requests: the tests wait for that line.
	return svc.Run()
}

// runHandler runs one egress request in this process, as the service asks.
func runHandler(args []string) error {
	flags := flag.NewFlagSet("egress run-handler", flag.ContinueOnError)
	body := flags.String("config", "", "pipeline YAML config (the body, not a file)")
	request := flags.String("request", "", "rpc.StartEgressRequest as protobuf JSON")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *body == "" {
		return errors.New("run-handler: --config is empty")
	}
	req := &rpc.StartEgressRequest{}
	if err := protojson.Unmarshal([]byte(*request), req); err != nil {
		return fmt.Errorf("run-handler: --request: %w", err)
	}
	conf, err := config.NewPipelineConfig(*body, req)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(conf.TmpDir, 0o755); err != nil {
		return err
	}
	if err := os.Setenv("TMPDIR", conf.TmpDir); err != nil {
		return err
	}
	// The service starts each handler in a session of its own; a handler must not outlive it.
	if err := dieWithParent(); err != nil {
		return err
	}
	bus, err := redisBus(conf.Redis)
	if err != nil {
		return err
	}
	h, err := handler.NewHandler(conf, bus)
	if err != nil {
		// The service sees the exit status and reports the egress as failed.
		return err
	}
	interrupts := make(chan os.Signal, 1)
	signal.Notify(interrupts, syscall.SIGINT)
	go func() {
		sig := <-interrupts
		logger.Infow("exit requested, stopping the recording", "signal", sig)
		h.Kill()
	}()
	h.Run()
	return nil
}

func redisBus(conf *redis.RedisConfig) (psrpc.MessageBus, error) {
	client, err := redis.GetRedisClient(conf)
	if err != nil {
		return nil, err
	}
	if client == nil {
		return nil, errors.New("no redis address in the config (redis: {address: host:port})")
	}
	return psrpc.NewRedisMessageBus(client), nil
}

// dieWithParent asks Linux to SIGKILL this process when the service that started it exits.
func dieWithParent() error {
	_, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGKILL), 0)
	if errno != 0 {
		return fmt.Errorf("prctl(PR_SET_PDEATHSIG): %w", errno)
	}
	if os.Getppid() == 1 {
		return errors.New("the egress service exited before this handler started")
	}
	return nil
}
