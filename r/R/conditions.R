# Failures from the Rust side arrive as list(ok = FALSE, class, message) and are raised here as
# classed R errors: "kmedoids_value_error" (bad input), "kmedoids_type_error" (input of the
# wrong type), "kmedoids_memory_error" (over the memory budget), "kmedoids_interrupt"
# (Ctrl-C), each also "kmedoids_error", "error" and "condition".

kmedoids_condition <- function(class, message, call = NULL) {
  structure(
    class = unique(c(class, "kmedoids_error", "error", "condition")),
    list(message = message, call = call)
  )
}

# Raises `reply`'s failure, or returns it.
checked <- function(reply, call = sys.call(-1)) {
  if (isTRUE(reply$ok)) {
    return(reply)
  }
  stop(kmedoids_condition(reply$class, reply$message, call))
}

value_error <- function(message, call = sys.call(-1)) {
  stop(kmedoids_condition("kmedoids_value_error", message, call))
}

type_error <- function(message, call = sys.call(-1)) {
  stop(kmedoids_condition("kmedoids_type_error", message, call))
}
