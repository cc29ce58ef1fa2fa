// Command etcd is a thin wrapper around go.etcd.io/etcd/server/v3/etcdmain (the same as
// upstream's server/main.go), built by scripts/ensure-envtest.sh for the test harness in
// test/support/control-plane.ts. The etcd server module cannot be `go install`ed because
// its go.mod replaces its sibling modules with local paths.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
