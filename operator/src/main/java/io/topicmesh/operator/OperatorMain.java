package io.topicmesh.operator; public class OperatorMain { public static void main(String[] a){} }
