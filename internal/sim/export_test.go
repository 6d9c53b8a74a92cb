package sim

// LoadDemoTrafficScaled lets tests load the demo traffic at a small scale.
var LoadDemoTrafficScaled = loadDemoTraffic

// AddTruth adds o's counts to t.
var AddTruth = (*TrafficTruth).add
