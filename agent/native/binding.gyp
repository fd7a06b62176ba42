{
  "targets": [
    {
      "target_name": "icmp_stamp",
      "sources": ["icmp_stamp.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
