// Package loop is the part of a readiness-based server that does not
// depend on the readiness API: the connection state machine that stages
// 04-select, 05-poll and 06-epoll share.
package loop
