/**
 * The router mutex ({@link io.topicmesh.node.pubsub.lock.RouterMutex}): one reentrant lock over all
 * router tables, scoped acquisition, a never-blocking inbox for event-loop threads, after-release
 * work for I/O and callbacks, hold-time and contention reporting.
 */
package io.topicmesh.node.pubsub.lock;
