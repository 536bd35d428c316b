package domains

// Clone returns a deep copy of s (nil for nil): its metadata, endpoints
// and nodes are its own. Other registries with this package's method set
// use it to keep what callers hand them apart from what they hold.
func (s *Service) Clone() *Service { return s.clone() }
