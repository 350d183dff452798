// Command server is a small gRPC service used as go-app's "medium" example
// and benchmark app: real third-party modules (gRPC, protobuf, the
// Prometheus client), a few hundred packages in all.
//
// It serves the standard gRPC health service (grpc.health.v1.Health) and
// server reflection on -grpc-addr, and Prometheus metrics (Go runtime,
// process, and a counter of handled RPCs by method and code) on
// -metrics-addr at /metrics.
package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"
)

func main() {
	grpcAddr := flag.String("grpc-addr", ":8080", "address of the gRPC server")
	metricsAddr := flag.String("metrics-addr", ":9090", "address of the Prometheus /metrics endpoint")
	flag.Parse()

	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	handled := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "grpc_server_handled_total",
		Help: "RPCs completed on the server, by method and status code.",
	}, []string{"grpc_method", "grpc_code"})
	reg.MustRegister(handled)

	srv := grpc.NewServer(grpc.UnaryInterceptor(countRPCs(handled)))
	hs := health.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	reflection.Register(srv)

	lis, err := net.Listen("tcp", *grpcAddr)
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	metrics := &http.Server{Addr: *metricsAddr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}

	go func() {
		log.Printf("metrics on %s/metrics", *metricsAddr)
		if err := metrics.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Fatal(err)
		}
	}()
	go func() {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		<-ctx.Done()
		hs.Shutdown()
		srv.GracefulStop()
		_ = metrics.Close()
	}()

	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	log.Printf("gRPC on %s", *grpcAddr)
	if err := srv.Serve(lis); err != nil {
		log.Fatal(err)
	}
}

// countRPCs counts every unary RPC by method and status code.
func countRPCs(c *prometheus.CounterVec) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		c.WithLabelValues(info.FullMethod, status.Code(err).String()).Inc()
		return resp, err
	}
}
