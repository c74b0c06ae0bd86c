/** Internals of the worker; not API, may change freely. */
package dev.shoal.worker.internal;
