package world_test

import "github.com/iamgate/iamgate/engine"

func decision(q *engine.Prepared) bool { return engine.Authorize(q).Decision == engine.Allowed }
