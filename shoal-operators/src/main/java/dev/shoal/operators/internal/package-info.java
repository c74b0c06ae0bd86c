/** Implementation of the operators; not API, may change freely. */
package dev.shoal.operators.internal;
